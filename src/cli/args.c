/*
 * cli/args.c - the option layer every command shares (cli.h): glibc
 * getopt_long over a command's option table (--opt value, --opt=value,
 * short letters, -h/--help on every command), range-checked numbers,
 * names chosen from tables with a "did you mean" for near misses, the
 * vPMU and PMI route values, all-or-nothing output files and the progress
 * bar. Every error is printed here as "vpmu CMD: what was wrong; what was
 * expected" and the caller exits 2.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

#define MAX_OPTS 32

const char *const cli_kind_names[] = { "none", "emulated", "mediated", NULL };
const char *const cli_policy_names[] = { "irqoff", "exit", "vcpu", "lazy", NULL };
const char *const cli_route_names[] = { "vector", "nmi", NULL };

int cli__fail(const struct cli_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vpmu %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_BAD_INPUT;
}

void cli__usage(const struct cli_cmd *c, FILE *f)
{
	fprintf(f, "usage: vpmu %s %s\n", c->name, c->synopsis);
	if (c->about)
		fprintf(f, "\n%s\n", c->about);
	fprintf(f, "\noptions:\n");
	for (const struct cli_opt *o = c->opts; o && o->name; o++) {
		char lhs[64], sh[8] = "    ";

		if (o->key < 256)
			snprintf(sh, sizeof(sh), "-%c, ", o->key);
		snprintf(lhs, sizeof(lhs), "%s--%s%s%s", sh, o->name, o->metavar ? " " : "",
			 o->metavar ? o->metavar : "");
		fprintf(f, "  %-26s %s\n", lhs, o->help);
	}
	fprintf(f, "  %-26s %s\n", "-h, --help", "this help, then exit 0");
	fprintf(f, "\nexit codes: 0 success, 1 a check or expectation failed, 2 bad usage "
		"or input. man vpmu for the rest.\n");
}

static unsigned int edit_distance(const char *a, const char *b)
{
	unsigned int row[64], n = (unsigned int)strlen(b);

	if (n >= 63 || strlen(a) >= 63)
		return 99;
	for (unsigned int j = 0; j <= n; j++)
		row[j] = j;
	for (unsigned int i = 1; a[i - 1]; i++) {
		unsigned int diag = row[0];

		row[0] = i;
		for (unsigned int j = 1; j <= n; j++) {
			unsigned int up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			best = up + 1 < best ? up + 1 : best;
			best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
			diag = up;
			row[j] = best;
		}
	}
	return row[n];
}

const char *cli__near(const char *s, const char *const *names)
{
	const char *best = NULL;
	unsigned int bd = 99, lim = strlen(s) <= 4 ? 1 : 2;

	for (int i = 0; names[i]; i++) {
		unsigned int d = edit_distance(s, names[i]);

		if (d < bd || (strlen(s) >= 3 && !strncmp(s, names[i], strlen(s)) && bd > 1)) {
			bd = d < bd ? d : 1;
			best = names[i];
		}
	}
	return bd <= lim ? best : NULL;
}

static void list_names(char *buf, size_t len, const char *const *names, const char *pre)
{
	size_t o = 0;

	buf[0] = 0;
	for (int i = 0; names[i] && o + 1 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s%s", i ? ", " : "", pre, names[i]);
}

static int unknown_option(const struct cli_cmd *c, const char *arg)
{
	const char *names[MAX_OPTS + 2];
	char all[1024], key[64];
	const char *near;
	int n = 0;

	for (const struct cli_opt *o = c->opts; o && o->name && n < MAX_OPTS; o++)
		names[n++] = o->name;
	names[n++] = "help";
	names[n] = NULL;
	snprintf(key, sizeof(key), "%s", arg + (arg[1] == '-' ? 2 : 1));
	key[strcspn(key, "=")] = 0;
	near = cli__near(key, names);
	list_names(all, sizeof(all), names, "--");
	return cli__fail(c, "unknown option '%s'%s%s%s; the options are %s", arg,
			 near ? "; did you mean '--" : "", near ? near : "", near ? "'?" : "",
			 all);
}

static const struct cli_opt *by_key(const struct cli_cmd *c, int key)
{
	for (const struct cli_opt *o = c->opts; o && o->name; o++)
		if (o->key == key)
			return o;
	return NULL;
}

int cli__next(const struct cli_cmd *c, int argc, char **argv, const char **val)
{
	static struct option lo[MAX_OPTS + 2];
	static char so[3 * MAX_OPTS + 4];
	static char **seen;
	int n = 0, k, lidx = -1;
	size_t s = 0;

	if (seen != argv) {	/* a new command line: start getopt over */
		seen = argv;
		optind = 0;
	}
	so[s++] = ':';	/* report a missing value as ':' */
	for (const struct cli_opt *o = c->opts; o && o->name && n < MAX_OPTS; o++, n++) {
		lo[n] = (struct option){ o->name, o->metavar ? required_argument : no_argument,
					 NULL, o->key };
		if (o->key < 256) {
			so[s++] = (char)o->key;
			if (o->metavar)
				so[s++] = ':';
		}
	}
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n] = (struct option){ 0 };
	so[s++] = 'h';
	so[s] = 0;
	opterr = 0;
	k = getopt_long(argc, argv, so, lo, &lidx);
	*val = optarg;
	if (k == -1) {
		seen = NULL;
		return CLI_END;
	}
	if (k == 'h') {
		cli__usage(c, stdout);
		seen = NULL;
		return CLI_HELP;
	}
	if (k == ':') {
		const struct cli_opt *o = by_key(c, optopt);

		cli__fail(c, "option '%s' needs a value (%s)", argv[optind - 1],
			  o && o->metavar ? o->metavar : "see --help");
		seen = NULL;
		return CLI_ERR;
	}
	if (k == '?') {
		unknown_option(c, optopt ? (char[3]){ '-', (char)optopt, 0 } : argv[optind - 1]);
		seen = NULL;
		return CLI_ERR;
	}
	return k;
}

int cli__u64(const struct cli_cmd *c, const char *opt, const char *val, u64 lo, u64 hi,
	     u64 *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!val[0] || val[0] == '-' || val[0] == '+' || val[0] == ' ')
		goto bad;
	v = strtoull(val, &end, 0);
	if (*end || errno == ERANGE)
		goto bad;
	if (v < lo || v > hi) {
		cli__fail(c, "--%s: %s is out of range; expected %llu to %llu", opt, val,
			  (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	*out = v;
	return 0;
bad:
	cli__fail(c, "--%s: '%s' is not a number; expected an integer from %llu to %llu", opt,
		  val, (unsigned long long)lo, (unsigned long long)hi);
	return -1;
}

int cli__shard(const struct cli_cmd *c, const char *opt, const char *val, unsigned int *i,
	       unsigned int *n)
{
	char a[32], b[32];
	const char *slash = strchr(val, '/');
	u64 vi, vn;

	if (!slash || (size_t)(slash - val) >= sizeof(a) || strlen(slash + 1) >= sizeof(b))
		return cli__fail(c, "--%s: '%s' is not I/N; expected e.g. 2/8 (the 2nd of 8)",
				 opt, val), -1;
	memcpy(a, val, (size_t)(slash - val));
	a[slash - val] = 0;
	snprintf(b, sizeof(b), "%s", slash + 1);
	if (cli__u64(c, opt, b, 1, 4096, &vn) || cli__u64(c, opt, a, 1, vn, &vi))
		return -1;
	*i = (unsigned int)vi;
	*n = (unsigned int)vn;
	return 0;
}

int cli__choice(const struct cli_cmd *c, const char *opt, const char *val,
		const char *const *names, const char *what)
{
	char all[512];
	const char *near;

	for (int i = 0; names[i]; i++)
		if (!strcmp(val, names[i]))
			return i;
	near = cli__near(val, names);
	list_names(all, sizeof(all), names, "");
	cli__fail(c, "--%s: '%s' is not a %s%s%s%s; expected one of %s", opt, val, what,
		  near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "", all);
	return -1;
}

long cli__list(const struct cli_cmd *c, const char *opt, const char *val,
	       const char *const *names, const char *what)
{
	char item[64];
	long mask = 0;

	for (const char *p = val;; p++) {
		size_t n = strcspn(p, ",");
		int i;

		if (!n || n >= sizeof(item)) {
			cli__fail(c, "--%s: '%s' has an empty or overlong item; expected a comma "
				  "list of %ss", opt, val, what);
			return -1;
		}
		memcpy(item, p, n);
		item[n] = 0;
		if ((i = cli__choice(c, opt, item, names, what)) < 0)
			return -1;
		mask |= 1L << i;
		p += n;
		if (!*p)
			return mask;
	}
}

int cli__parse_vpmu(const struct cli_cmd *c, const char *s, const struct kvm_vpmu_ops **kind,
		    const struct kvm_policy_ops **policy)
{
	char name[32];
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	int k, p = 0;

	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, s, n);
	name[n] = 0;
	if ((k = cli__choice(c, "vpmu", name, cli_kind_names, "vPMU kind")) < 0)
		return -1;
	*kind = kvm_vpmu__by_name(name);
	if (colon && !(*kind)->is_mediated)
		return cli__fail(c, "--vpmu: '%s': only the mediated vPMU has a policy; expected "
				 "none, emulated or mediated[:POLICY]", s), -1;
	if (colon && (p = cli__choice(c, "vpmu", colon + 1, cli_policy_names, "policy")) < 0)
		return -1;
	*policy = kvm_policy__by_name(cli_policy_names[p]);
	return *kind && *policy ? 0 : -1;
}

int cli__parse_route(const struct cli_cmd *c, const char *s, enum kvm_pmi_route *route)
{
	int r = cli__choice(c, "pmi", s, cli_route_names, "PMI route");

	if (r < 0)
		return -1;
	*route = r ? PMI_ROUTE_NMI : PMI_ROUTE_VECTOR;
	return 0;
}

int cli__out_open(struct cli_out *o, const char *path)
{
	int fd;

	snprintf(o->path, sizeof(o->path), "%s", path);
	if (!strcmp(path, "-")) {
		o->f = stdout;
		o->tmp[0] = 0;
		return 0;
	}
	snprintf(o->tmp, sizeof(o->tmp), "%s.tmp-XXXXXX", path);
	fd = mkstemp(o->tmp);
	if (fd >= 0) {	/* mkstemp makes it 0600; a report is 0666 less the umask */
		mode_t um = umask(0);

		umask(um);
		fchmod(fd, 0666 & ~um);
	}
	o->f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!o->f) {
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		return -1;
	}
	return 0;
}

int cli__out_close(struct cli_out *o, bool ok)
{
	if (o->f == stdout)
		return fflush(stdout) || !ok ? -1 : 0;
	ok = !ferror(o->f) && ok;
	ok = !fclose(o->f) && ok;
	o->f = NULL;
	if (ok && !rename(o->tmp, o->path))
		return 0;
	unlink(o->tmp);
	return -1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Wall time is read here only, for the bar; it never reaches any output file. */
void cli__progress_start(struct cli_progress *p, const char *what, unsigned long total)
{
	*p = (struct cli_progress){ .what = what, .total = total, .on = isatty(2) && total > 1,
				    .t0 = now() };
}

void cli__progress_step(struct cli_progress *p)
{
	double dt, rate;
	int w = 30, fill;

	p->done++;
	if (!p->on)
		return;
	dt = now() - p->t0;
	rate = dt > 0 ? (double)p->done / dt : 0;
	fill = p->total ? (int)((unsigned long)w * p->done / p->total) : w;
	fprintf(stderr, "\r%s [%.*s%*s] %lu/%lu %.1f/s ETA %.0fs ", p->what, fill,
		"##############################", w - fill, "", p->done, p->total, rate,
		rate > 0 ? (double)(p->total - p->done) / rate : 0.0);
	fflush(stderr);
}

void cli__progress_end(struct cli_progress *p)
{
	if (p->on)
		fprintf(stderr, "\r%*s\r", 79, "");
}
