/*
 * cli/output.c - see output.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/output.h"
#include "report/json.h"

int cli__mkdirs(const struct cli_cmd *c, const char *dir)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1;; s++) {
		char keep = *s;

		if (keep && keep != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0777) && errno != EEXIST) {
			cli__fail(c, "cannot make directory %s: %s", p, strerror(errno));
			return -1;
		}
		*s = keep;
		if (!keep)
			return 0;
	}
}

int cli__write_json(const struct cli_cmd *c, const char *path, const json_t *doc)
{
	struct cli_out o;

	if (cli__out_open(&o, path)) {
		cli__fail(c, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	if (cli__out_close(&o, !report__json_dump(o.f, doc))) {
		cli__fail(c, "cannot write %s", path);
		return -1;
	}
	return 0;
}

static int write_file(const struct cli_cmd *c, const char *dir, const char *name,
		      const char *ext, const struct report_set *s, const struct report_plot *p)
{
	char path[4096];
	struct cli_out o;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	if (cli__out_open(&o, path)) {
		cli__fail(c, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	if (!strcmp(ext, "dat"))
		p->data(o.f, s);
	else
		p->script(o.f, s, name);
	if (cli__out_close(&o, true))
		return cli__fail(c, "cannot write %s", path), -1;
	return 0;
}

/* gnuplot NAME.gp in @dir; true when it ran and succeeded. */
static bool gnuplot(const char *dir, const char *name)
{
	char gp[256];
	pid_t pid;
	int st;

	snprintf(gp, sizeof(gp), "%s.gp", name);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		if (chdir(dir) == 0)
			execlp("gnuplot", "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET) &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = 0;
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int cli__plots(const struct cli_cmd *c, const char *dir, const struct report_set *s,
	       struct report_html_plot *out)
{
	int rendered = 0;

	if (cli__mkdirs(c, dir))
		return -1;
	for (int i = 0; report_plots[i].name; i++) {
		const struct report_plot *p = &report_plots[i];
		char svg[4096];

		out[i] = (struct report_html_plot){ .plot = p };
		if (write_file(c, dir, p->name, "dat", s, p) || write_file(c, dir, p->name, "gp", s, p))
			return -1;
		snprintf(svg, sizeof(svg), "%s/%s.svg", dir, p->name);
		if (!gnuplot(dir, p->name)) {
			unlink(svg);
			continue;
		}
		out[i].svg = slurp(svg, &out[i].svg_len);
		rendered += out[i].svg != NULL;
	}
	return rendered;
}

/* A scenario file's name must be UTF-8 (it goes into JSON as it is): the
 * file's first byte that is not, as file:line:column. */
int cli__check_name(const char *arg, const struct scenario *sc)
{
	unsigned int line = 1, col = 1;
	long bad = report__utf8_bad(sc->name);
	char buf[4096];
	FILE *f;

	if (bad < 0)
		return 0;
	if ((f = fopen(arg, "r"))) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		long at;

		fclose(f);
		buf[n] = 0;
		at = report__utf8_bad(buf);
		for (long i = 0; i < at; i++, col++)
			if (buf[i] == '\n') {
				line++;
				col = 0;
			}
	}
	fprintf(stderr, "%s:%u:%u: error: the scenario name has a byte that is not UTF-8 "
		"(0x%02x); expected UTF-8 text\n", arg, line, col, (unsigned char)sc->name[bad]);
	return EXIT_BAD_INPUT;
}

int cli__load_error(const struct cli_cmd *c, const char *opt, const char *name,
		    const struct embedded_file *builtin, const char *what, const struct diag *d)
{
	const char *names[64], *near;
	char all[1024], msg[1024];
	size_t n = strlen(name), o = 0;
	int k = 0;

	if (strchr(name, '/') || (n > 4 && !strcmp(name + n - 4, ".ini"))) {
		diag__format(d, msg, sizeof(msg));	/* a file: where it is wrong */
		fprintf(stderr, "%s\n", msg);
		return EXIT_BAD_INPUT;
	}
	for (const struct embedded_file *b = builtin; b->name && k < 63; b++) {
		names[k++] = b->name;
		o += (size_t)snprintf(all + o, o < sizeof(all) ? sizeof(all) - o : 0, "%s%s",
				      k > 1 ? ", " : "", b->name);
	}
	names[k] = NULL;
	near = cli__near(name, names);
	return cli__fail(c, "--%s: '%s' is not a built-in %s%s%s%s; expected one of %s, or a "
			 ".ini file", opt, name, what, near ? " (did you mean '" : "",
			 near ? near : "", near ? "'?)" : "", all);
}
