/*
 * input/vpmu_parse.c - reader of .vpmu guest programs.
 *
 * Line-oriented: each line is lexed into tokens (words, numbers,
 * punctuation) with their columns, then parsed by the operation's first
 * word. Every error names file:line:column and what was expected, and the
 * whole program is rejected: a caller never gets half a program.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hw/cpu.h"
#include "hw/msr.h"
#include "input/msr_names.h"
#include "input/perf_spec.h"
#include "input/profile.h"
#include "input/vpmu_parse.h"

#define MAX_TOKS 96

enum tok_kind { T_END, T_WORD, T_NUM, T_PUNCT };

struct tok {
	enum tok_kind kind;
	const char *s;
	unsigned int len;
	unsigned int col;
};

struct lc {			/* the line being parsed */
	const char *path;
	unsigned int line;
	struct tok t[MAX_TOKS];
	unsigned int n, pos;
	struct diag *d;
	struct prog *p;
	bool have_pmu;
	int prev_kind;		/* kind of the previous operation, -1 at start */
	int nr_host;		/* host perf events declared so far */
};

static int err_at(struct lc *c, const struct tok *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int err_at(struct lc *c, const struct tok *t, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return diag__set(c->d, VPMU_E_PARSE, c->path, c->line, t->col, "%s", msg);
}

static const struct tok *peek(struct lc *c)
{
	return &c->t[c->pos];
}

static const struct tok *next(struct lc *c)
{
	const struct tok *t = &c->t[c->pos];

	if (t->kind != T_END)
		c->pos++;
	return t;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->kind != T_END && strlen(s) == t->len && !strncasecmp(t->s, s, t->len);
}

static bool accept(struct lc *c, const char *s)
{
	if (!tok_is(peek(c), s))
		return false;
	next(c);
	return true;
}

static int expect_punct(struct lc *c, const char *s)
{
	if (accept(c, s))
		return 0;
	return err_at(c, peek(c), "expected '%s'", s);
}

static int expect_end(struct lc *c)
{
	if (peek(c)->kind == T_END)
		return 0;
	return err_at(c, peek(c), "expected the end of the line, found '%.*s'",
		      (int)peek(c)->len, peek(c)->s);
}

/* Lex one line (without its newline) into c->t. A "host" line is lexed
 * only for its first two words; the rest is perf's syntax (parse_host). */
static int lex(struct lc *c, const char *s, unsigned int len)
{
	unsigned int i = 0;
	bool host = false;

	c->n = c->pos = 0;
	while (i < len && s[i] != '#') {
		struct tok *t = &c->t[c->n];
		unsigned char ch = (unsigned char)s[i];

		if (isspace(ch)) {
			i++;
			continue;
		}
		if (c->n == 1 && tok_is(&c->t[0], "host"))
			host = true;
		if (host && c->n == 2)
			break;
		if (c->n == MAX_TOKS - 1) {
			struct tok e = { .col = i + 1 };
			return err_at(c, &e, "expected at most %d tokens on a line", MAX_TOKS - 1);
		}
		*t = (struct tok){ .s = s + i, .col = i + 1 };
		if (isalpha(ch) || ch == '_' || isdigit(ch)) {
			t->kind = isdigit(ch) ? T_NUM : T_WORD;
			while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_'))
				i++;
		} else if ((ch == '=' || ch == '!') && i + 1 < len && s[i + 1] == '=') {
			t->kind = T_PUNCT;
			i += 2;
		} else if (strchr("=()[],|&-", ch)) {
			t->kind = T_PUNCT;
			i++;
		} else {
			struct tok e = { .col = i + 1 };
			return err_at(c, &e, "unexpected character '%c'", isprint(ch) ? ch : '?');
		}
		t->len = (unsigned int)(s + i - t->s);
		c->n++;
	}
	c->t[c->n] = (struct tok){ .kind = T_END, .col = i + 1 };
	return 0;
}

static int parse_num(struct lc *c, u64 *v, const char *what)
{
	const struct tok *t = peek(c);
	char buf[80];
	unsigned int j = 0;
	char *end;

	if (t->kind != T_NUM)
		return err_at(c, t, "expected %s (a number)", what);
	for (unsigned int i = 0; i < t->len && j < sizeof(buf) - 1; i++)
		if (t->s[i] != '_')
			buf[j++] = t->s[i];
	buf[j] = 0;
	errno = 0;
	*v = strtoull(buf, &end, (j > 2 && buf[0] == '0' && (buf[1] | 0x20) == 'x') ? 16 : 10);
	if (errno || *end || t->len >= sizeof(buf) || buf[0] == '-')
		return err_at(c, t, "expected %s: '%.*s' is not a decimal or 0x-hex number "
			      "that fits 64 bits", what, (int)t->len, t->s);
	next(c);
	return 0;
}

static int parse_small(struct lc *c, u64 max, u64 *v, const char *what)
{
	const struct tok *t = peek(c);
	int ret = parse_num(c, v, what);

	if (!ret && *v > max)
		return err_at(c, t, "expected %s of at most %llu", what, (unsigned long long)max);
	return ret;
}

static bool tok_reg(const struct tok *t, u8 *reg)
{
	unsigned int v = 0;

	if (t->kind != T_WORD || t->len < 2 || t->len > 3 || (t->s[0] | 0x20) != 'r')
		return false;
	for (unsigned int i = 1; i < t->len; i++) {
		if (!isdigit((unsigned char)t->s[i]))
			return false;
		v = v * 10 + (unsigned int)(t->s[i] - '0');
	}
	if (v >= PROG_NR_REGS || (t->len == 3 && t->s[1] == '0'))
		return false;
	*reg = (u8)v;
	return true;
}

static int parse_reg(struct lc *c, u8 *reg)
{
	if (!tok_reg(peek(c), reg))
		return err_at(c, peek(c), "expected a register r0..r15");
	next(c);
	return 0;
}

/* evtsel(...) / fixedctl(...) fields: "name" or "name=NUMBER". */
struct field {
	const char *name;
	u64 bits;		/* a flag's bits, or 0 for a numeric field */
	unsigned int shift;
	u64 max;
};

static const struct field evtsel_fields[] = {
	{ "event", 0, 0, 0xfff }, { "umask", 0, 8, 0xff }, { "cmask", 0, 24, 0xff },
	{ "usr", EVTSEL_USR, 0, 0 }, { "os", EVTSEL_OS, 0, 0 },
	{ "edge", EVTSEL_EDGE, 0, 0 }, { "pc", EVTSEL_PIN_CONTROL, 0, 0 },
	{ "int", EVTSEL_INT, 0, 0 }, { "any", EVTSEL_ANY, 0, 0 },
	{ "en", EVTSEL_ENABLE, 0, 0 }, { "inv", EVTSEL_INV, 0, 0 },
	{ "in_tx", EVTSEL_IN_TX, 0, 0 }, { "in_txcp", EVTSEL_IN_TXCP, 0, 0 },
	{ "go", AMD64_EVTSEL_GUESTONLY, 0, 0 }, { "ho", AMD64_EVTSEL_HOSTONLY, 0, 0 },
};

static const struct field fixedctl_fields[] = {
	{ "idx", 0, 0, 3 }, { "os", FIXED_CTRL_OS, 0, 0 }, { "usr", FIXED_CTRL_USR, 0, 0 },
	{ "any", FIXED_CTRL_ANY, 0, 0 }, { "pmi", FIXED_CTRL_PMI, 0, 0 },
};

static int parse_fields(struct lc *c, const struct field *f, size_t nf, u64 *v,
			u64 *idx, const char *fn)
{
	int ret;

	if ((ret = expect_punct(c, "(")))
		return ret;
	while (!accept(c, ")")) {
		const struct tok *t = next(c);
		size_t i;
		u64 n;

		for (i = 0; i < nf && !tok_is(t, f[i].name); i++)
			;
		if (i == nf)
			return err_at(c, t, "expected a field of %s()", fn);
		if (f[i].bits) {
			*v |= f[i].bits;
		} else {
			if ((ret = expect_punct(c, "=")) ||
			    (ret = parse_small(c, f[i].max, &n, f[i].name)))
				return ret;
			if (!strcmp(f[i].name, "idx"))
				*idx = n;
			else if (!strcmp(f[i].name, "event"))	/* AMD: 11:8 -> 35:32 */
				*v |= (n & 0xff) | ((n >> 8) << 32);
			else
				*v |= n << f[i].shift;
		}
		if (!tok_is(peek(c), ")") && (ret = expect_punct(c, ",")))
			return ret;
	}
	return 0;
}

static int parse_atom(struct lc *c, struct prog_expr *e)
{
	const struct tok *t = peek(c);
	u64 v = 0, idx = 0;
	int ret = 0;
	u8 reg;

	if (e->n == EXPR_MAX_ATOMS)
		return err_at(c, t, "expected at most %d values joined by '|'", EXPR_MAX_ATOMS);
	if (tok_reg(t, &reg)) {
		next(c);
		e->a[e->n].is_reg = true;
		e->a[e->n++].reg = reg;
		return 0;
	}
	if (accept(c, "-")) {
		ret = parse_num(c, &v, "a value");
		v = 0 - v;
	} else if (t->kind == T_NUM) {
		ret = parse_num(c, &v, "a value");
	} else if (accept(c, "bit")) {
		if (!(ret = expect_punct(c, "(")) && !(ret = parse_small(c, 63, &v, "a bit number")))
			ret = expect_punct(c, ")");
		v = BIT_ULL(v & 63);
	} else if (accept(c, "evtsel")) {
		ret = parse_fields(c, evtsel_fields, ARRAY_SIZE(evtsel_fields), &v, &idx, "evtsel");
	} else if (accept(c, "fixedctl")) {
		ret = parse_fields(c, fixedctl_fields, ARRAY_SIZE(fixedctl_fields), &v, &idx,
				   "fixedctl");
		v <<= 4 * idx;
	} else {
		return err_at(c, t, "expected a value (a number, a register, bit(), "
			      "evtsel() or fixedctl())");
	}
	e->a[e->n].is_reg = false;
	e->a[e->n++].v = v;
	return ret;
}

static int parse_expr(struct lc *c, struct prog_expr *e)
{
	int ret;

	e->n = 0;
	do {
		if ((ret = parse_atom(c, e)))
			return ret;
	} while (accept(c, "|"));
	return 0;
}

static int parse_msr(struct lc *c, u32 *msr)
{
	const struct tok *t = peek(c);
	char name[64];
	u64 v;
	int ret;

	if (t->kind == T_WORD) {
		if (t->len >= sizeof(name))
			return err_at(c, t, "expected an MSR name from docs/guest-programs.md "
				      "section 4 (at most %zu characters)", sizeof(name) - 1);
		snprintf(name, sizeof(name), "%.*s", (int)t->len, t->s);
		if (msr_name__lookup(name, msr))
			return err_at(c, t, "expected an MSR name from docs/guest-programs.md "
				      "section 4, found '%s'", name);
		next(c);
		return 0;
	}
	if ((ret = parse_small(c, 0xffffffffULL, &v, "an MSR")))
		return ret;
	if (!hw_cpu__is_msr_modelled((u32)v))
		return err_at(c, t, "expected a PMU MSR that vpmu models; 0x%llx is not one",
			      (unsigned long long)v);
	*msr = (u32)v;
	return 0;
}

/* key=NUMBER options of a loop; *kut for "loop kut". */
static int parse_loop(struct lc *c, struct prog_loop *l)
{
	static const char *const keys[] = { "insns", "branches", "branch_misses",
					    "llc_refs", "llc_misses", "cycles" };
	u64 *dst[] = { &l->insns, &l->branches, &l->branch_misses, &l->llc_refs,
		       &l->llc_misses, &l->cycles };
	bool seen[ARRAY_SIZE(keys)] = { false };
	int ret;

	if (accept(c, "kut")) {
		l->kut = true;
		l->n = 1;
		return expect_end(c);
	}
	const struct tok *nt = peek(c);

	if ((ret = parse_small(c, 1ULL << 40, &l->n, "an iteration count")))
		return ret;
	if (!l->n)
		return err_at(c, nt, "expected at least 1 iteration");
	while (peek(c)->kind != T_END) {
		const struct tok *t = next(c);
		size_t i;

		for (i = 0; i < ARRAY_SIZE(keys) && !tok_is(t, keys[i]); i++)
			;
		if (i == ARRAY_SIZE(keys))
			return err_at(c, t, "expected insns=, branches=, branch_misses=, "
				      "llc_refs=, llc_misses= or cycles=");
		if (seen[i])
			return err_at(c, t, "expected each loop option once");
		seen[i] = true;
		if ((ret = expect_punct(c, "=")) ||
		    (ret = parse_small(c, 1ULL << 20, dst[i], keys[i])))
			return ret;
	}
	if (!seen[0])
		return err_at(c, peek(c), "expected insns=K (instructions per iteration)");
	if (l->branches > l->insns || l->branch_misses > l->branches ||
	    l->llc_misses > l->llc_refs)
		return err_at(c, peek(c), "expected branches <= insns, branch_misses <= "
			      "branches and llc_misses <= llc_refs");
	return 0;
}

static int parse_cmp(struct lc *c, struct prog_expect *e)
{
	const struct tok *t;
	int ret;

	if (accept(c, "==")) {
		e->cmp = CMP_EQ;
		return parse_expr(c, &e->a);
	}
	if (accept(c, "!=")) {
		e->cmp = CMP_NE;
		return parse_expr(c, &e->a);
	}
	if (!accept(c, "in"))
		return err_at(c, peek(c), "expected '==', '!=' or 'in'");
	e->cmp = CMP_IN;
	if ((ret = expect_punct(c, "[")) || (ret = parse_expr(c, &e->a)) ||
	    (ret = expect_punct(c, ",")))
		return ret;
	t = peek(c);
	if ((ret = parse_expr(c, &e->b)))
		return ret;
	if (e->a.n == 1 && e->b.n == 1 && !e->a.a[0].is_reg && !e->b.a[0].is_reg &&
	    e->a.a[0].v > e->b.a[0].v)
		return err_at(c, t, "expected HI >= LO in [LO, HI]");
	return expect_punct(c, "]");
}

static int parse_expect(struct lc *c, struct prog_op *op)
{
	struct prog_expect *e = &op->expect;
	const struct tok *t = peek(c);
	int ret;

	if (accept(c, "gp") || accept(c, "ok")) {
		e->kind = tok_is(t, "gp") ? EXPECT_GP : EXPECT_OK;
		if (c->prev_kind != OP_WRMSR && c->prev_kind != OP_RDMSR &&
		    c->prev_kind != OP_RDPMC && c->prev_kind != OP_CPUID &&
		    c->prev_kind != OP_STI && c->prev_kind != OP_CLI && c->prev_kind != OP_PCE)
			return err_at(c, t, "expected 'expect %.*s' right after a wrmsr, rdmsr, "
				      "rdpmc, cpuid, sti, cli or pce", (int)t->len, t->s);
		return expect_end(c);
	}
	e->kind = EXPECT_CMP;
	e->subject_perf = -1;
	if (accept(c, "perf")) {
		static const char *const fields[] = { "count", "scaled", "truth", "enabled",
						      "running", "samples" };
		const struct tok *nt = peek(c);
		u64 n;
		size_t f;

		if ((ret = parse_num(c, &n, "a host event index")))
			return ret;
		if (n >= (u64)c->nr_host)
			return err_at(c, nt, "expected a host event declared above (0..%d)",
				      c->nr_host - 1);
		e->subject_perf = (int)n;
		t = next(c);
		for (f = 0; f < ARRAY_SIZE(fields) && !tok_is(t, fields[f]); f++)
			;
		if (f == ARRAY_SIZE(fields))
			return err_at(c, t, "expected count, scaled, truth, enabled, running "
				      "or samples");
		e->perf_field = (enum prog_perf_field)f;
	} else if (accept(c, "pmis")) {
		e->subject_pmis = true;
	} else if ((ret = parse_reg(c, &e->subject_reg))) {
		return err_at(c, t, "expected gp, ok, pmis, perf or a register r0..r15");
	} else if (accept(c, "&")) {
		e->has_mask = true;
		if ((ret = parse_expr(c, &e->mask)))
			return ret;
	}
	if ((ret = parse_cmp(c, e)))
		return ret;
	return expect_end(c);
}

static int parse_cpuid(struct lc *c, struct prog_op *op)
{
	u64 v;
	int ret;

	for (unsigned int i = 0; i < 4; i++)
		if ((ret = parse_reg(c, &op->reg[i])))
			return ret;
	if ((ret = parse_small(c, 0xffffffffULL, &v, "a CPUID leaf")))
		return ret;
	op->leaf = (u32)v;
	if (peek(c)->kind != T_END) {
		if ((ret = parse_small(c, 0xffffffffULL, &v, "a CPUID subleaf")))
			return ret;
		op->subleaf = (u32)v;
	}
	return expect_end(c);
}

static int parse_env(struct lc *c)
{
	static const struct { const char *name; u8 env; } envs[] = {
		{ "hw", ENV_HW }, { "kvm", ENV_KVM }, { "emulated", ENV_EMULATED },
		{ "mediated", ENV_MEDIATED }, { "none", ENV_NONE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(envs); i++)
		if (accept(c, envs[i].name))
			return envs[i].env;
	return -1;
}

/* only ENV...: where the whole program applies (right after the pmu line). */
static int parse_only(struct lc *c, const struct tok *w)
{
	int env, all = 0;

	if (c->prev_kind != -1 || c->p->env != ENV_ALL)
		return err_at(c, w, "expected 'only' once, right after the pmu line");
	while ((env = parse_env(c)) > 0)
		all |= env;
	if (!all)
		return err_at(c, peek(c), "expected hw, kvm, emulated, mediated or none");
	c->p->env = (u8)all;
	return expect_end(c);
}

/* Operations after the pmu line; the first token has been taken. */
static int parse_op(struct lc *c, const struct tok *w, struct prog_op *op)
{
	u64 v;
	int ret;

	if (tok_is(w, "cpl") || tok_is(w, "pce")) {
		const struct tok *t = peek(c);

		op->kind = tok_is(w, "cpl") ? OP_CPL : OP_PCE;
		if ((ret = parse_num(c, &v, "a level")))
			return ret;
		if (op->kind == OP_CPL ? (v != 0 && v != 3) : v > 1)
			return err_at(c, t, "expected %s", op->kind == OP_CPL ? "0 or 3" : "0 or 1");
		op->level = (u8)v;
		return expect_end(c);
	}
	if (tok_is(w, "sti") || tok_is(w, "cli")) {
		op->kind = tok_is(w, "sti") ? OP_STI : OP_CLI;
		return expect_end(c);
	}
	if (tok_is(w, "wrmsr")) {
		op->kind = OP_WRMSR;
		if ((ret = parse_msr(c, &op->msr)) || (ret = parse_expr(c, &op->val)))
			return ret;
		return expect_end(c);
	}
	if (tok_is(w, "rdmsr") || tok_is(w, "rdpmc")) {
		op->kind = tok_is(w, "rdmsr") ? OP_RDMSR : OP_RDPMC;
		if ((ret = parse_reg(c, &op->reg[0])))
			return ret;
		ret = op->kind == OP_RDMSR ? parse_msr(c, &op->msr) : parse_expr(c, &op->val);
		return ret ? ret : expect_end(c);
	}
	if (tok_is(w, "cpuid")) {
		op->kind = OP_CPUID;
		return parse_cpuid(c, op);
	}
	if (tok_is(w, "loop")) {
		op->kind = OP_LOOP;
		return parse_loop(c, &op->loop);
	}
	if (tok_is(w, "expect")) {
		op->kind = OP_EXPECT;
		op->expect.env = ENV_ALL;
		return parse_expect(c, op);
	}
	if (tok_is(w, "on")) {	/* on hw|kvm|emulated|mediated|none expect ... */
		const struct tok *t = peek(c);
		int env = parse_env(c);

		if (env < 0)
			return err_at(c, t, "expected hw, kvm, emulated, mediated or none after 'on'");
		if (!accept(c, "expect"))
			return err_at(c, peek(c), "expected 'expect' after 'on %.*s'", (int)t->len, t->s);
		op->kind = OP_EXPECT;
		op->expect.env = (u8)env;
		return parse_expect(c, op);
	}
	return err_at(c, w, "expected an operation (pmu, cpl, sti, cli, pce, wrmsr, "
		      "rdmsr, rdpmc, cpuid, loop, expect, on, host), found '%.*s'", (int)w->len, w->s);
}

/* pmu intel key=value... | pmu amd legacy | pmu amd core [perfmon_v2] [gp=N] */
static int parse_pmu_intel(struct lc *c, struct hw_pmu_config *cfg)
{
	static const char *const keys[] = { "version", "gp", "fixed", "width", "fixed_width",
					    "unavailable", "ebx_len", "fixed_mask" };
	static const u64 max[] = { 255, 255, 255, 255, 255, 0xffffffff, 255, 0xffffffff };
	u64 vals[ARRAY_SIZE(keys)];
	bool seen[ARRAY_SIZE(keys)] = { false };
	int ret;

	hw_pmu_config__defaults(cfg, HW_VENDOR_INTEL);
	while (peek(c)->kind != T_END) {
		const struct tok *t = next(c);
		size_t i;

		if (tok_is(t, "fw_writes") || tok_is(t, "metrics") ||
		    tok_is(t, "anythread_deprecated")) {
			bool *flag = tok_is(t, "fw_writes") ? &cfg->fw_writes :
				     tok_is(t, "metrics") ? &cfg->metrics :
				     &cfg->anythread_deprecated;

			if (*flag)
				return err_at(c, t, "expected each pmu option once");
			*flag = true;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(keys) && !tok_is(t, keys[i]); i++)
			;
		if (i == ARRAY_SIZE(keys) || seen[i])
			return err_at(c, t, "expected a new pmu intel option (version=, gp=, "
				      "fixed=, width=, fixed_width=, unavailable=, ebx_len=, "
				      "fixed_mask=, fw_writes, metrics, anythread_deprecated)");
		seen[i] = true;
		if ((ret = expect_punct(c, "=")) || (ret = parse_small(c, max[i], &vals[i], keys[i])))
			return ret;
	}
	if (seen[0])
		cfg->version = (u8)vals[0];
	if (cfg->version < 2)
		cfg->nr_fixed = 0;
	if (cfg->version == 0)
		cfg->nr_gp = 0;
	if (cfg->metrics)
		cfg->ebx_len = 8;
	u8 *dst[] = { NULL, &cfg->nr_gp, &cfg->nr_fixed, &cfg->gp_width, &cfg->fixed_width,
		      NULL, &cfg->ebx_len, NULL };
	for (size_t i = 1; i < ARRAY_SIZE(keys); i++) {
		if (!seen[i])
			continue;
		if (dst[i])
			*dst[i] = (u8)vals[i];
		else if (i == 5)
			cfg->unavailable = (u32)vals[i];
		else
			cfg->fixed_mask = (u32)vals[i];
	}
	return 0;
}

static int parse_pmu_amd(struct lc *c, struct hw_pmu_config *cfg)
{
	u64 v;
	int ret;

	hw_pmu_config__defaults(cfg, HW_VENDOR_AMD);
	if (accept(c, "legacy"))
		return expect_end(c);
	if (!accept(c, "core"))
		return err_at(c, peek(c), "expected 'legacy' or 'core'");
	cfg->amd_core = true;
	cfg->nr_gp = AMD64_NUM_COUNTERS_CORE;
	if (accept(c, "perfmon_v2"))
		cfg->amd_perfmon_v2 = true;
	if (accept(c, "gp")) {
		if ((ret = expect_punct(c, "=")) || (ret = parse_small(c, 255, &v, "gp")))
			return ret;
		cfg->nr_gp = (u8)v;
	}
	if (!cfg->amd_perfmon_v2 && accept(c, "perfmon_v2"))
		cfg->amd_perfmon_v2 = true;
	return expect_end(c);
}

static int parse_pmu(struct lc *c, const struct tok *w)
{
	struct hw_pmu_config *cfg = &c->p->pmu;
	struct hw_pmu pmu;
	char why[200];
	int ret;

	if (c->have_pmu)
		return err_at(c, w, "expected one pmu line per program");
	if (c->prev_kind != -1)
		return err_at(c, w, "expected the pmu line before every operation");
	if (accept(c, "intel"))
		ret = parse_pmu_intel(c, cfg);
	else if (accept(c, "amd"))
		ret = parse_pmu_amd(c, cfg);
	else
		return err_at(c, peek(c), "expected 'intel' or 'amd'");
	if (ret)
		return ret;
	if (hw_pmu__init(&pmu, cfg, why, sizeof(why)))
		return err_at(c, w, "expected a PMU the core can model: %s", why);
	c->have_pmu = true;
	return 0;
}

static char *trimmed(const char *s, unsigned int len)
{
	const char *h = memchr(s, '#', len);
	unsigned int n = h ? (unsigned int)(h - s) : len;
	char *out;

	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	out = malloc(n + 1);
	if (out) {
		memcpy(out, s, n);
		out[n] = 0;
	}
	return out;
}

/* Create every event of @ps on a scratch core of the program's PMU, so a
 * session the PMU cannot run is rejected before anything runs. */
static int check_session(struct lc *c, const struct prog_perf_session *ps, unsigned int col)
{
	struct hw_cpu *cpu = calloc(1, sizeof(*cpu));
	struct perf_cpu *pc = calloc(1, sizeof(*pc));
	struct profile *prof = calloc(1, sizeof(*prof));
	struct perf_event *ev[16] = { NULL };
	struct tok at = { .col = col };
	char why[128];
	int ret = 0;

	if (!cpu || !pc || !prof || profile__load("default", prof, c->d) ||
	    hw_cpu__init(cpu, &c->p->pmu, &prof->hw, why, sizeof(why))) {
		ret = diag__set(c->d, VPMU_E_NOMEM, c->path, 0, 0, "out of memory");
	} else {
		perf_cpu__init(pc, cpu, &prof->perf);
		for (int i = 0; i < ps->nr && !ret; i++) {
			int e = perf_event__create(pc, &ps->attr[i],
						   ps->leader[i] >= 0 ? ev[ps->leader[i]] : NULL, &ev[i]);

			if (e)
				ret = err_at(c, &at, "expected events this PMU can count: %s is "
					     "refused (error %d)", ps->attr[i].name, -e);
		}
		perf_cpu__exit(pc);
	}
	free(prof);
	free(pc);
	free(cpu);
	return ret;
}

/* host perf stat|record ... : the rest of the line in perf's own syntax. */
static int parse_host(struct lc *c, const char *s, unsigned int len, struct prog_op *op)
{
	char buf[512], why[200];
	unsigned int start, err_col;
	const char *h = memchr(s, '#', len);
	struct perf_spec spec;
	struct tok at;
	int ret;

	if (!tok_is(&c->t[1], "perf")) {
		at = c->t[1];
		return err_at(c, &at, "expected 'host perf'");
	}
	start = c->t[1].col + 4;	/* 0-based offset just past "perf" */
	len = h ? (unsigned int)(h - s) : len;
	if (len - start >= sizeof(buf))
		return err_at(c, &c->t[1], "expected a shorter perf command line");
	memcpy(buf, s + start, len - start);
	buf[len - start] = 0;
	if (perf_spec__parse(buf, &spec, &err_col, why, sizeof(why))) {
		at = (struct tok){ .col = start + err_col + 1 };
		return err_at(c, &at, "%s", why);
	}
	if (c->nr_host + spec.nr > PROG_MAX_HOST_EVENTS)
		return err_at(c, &c->t[0], "expected at most %d host events per program",
			      PROG_MAX_HOST_EVENTS);
	op->kind = OP_HOST_PERF;
	op->perf = calloc(1, sizeof(*op->perf));
	if (!op->perf)
		return diag__set(c->d, VPMU_E_NOMEM, c->path, 0, 0, "out of memory");
	op->perf->record = spec.record;
	op->perf->nr = spec.nr;
	op->perf->first = c->nr_host;
	memcpy(op->perf->attr, spec.attr, sizeof(spec.attr));
	memcpy(op->perf->leader, spec.leader, sizeof(spec.leader));
	if ((ret = check_session(c, op->perf, c->t[1].col + 5))) {
		free(op->perf);
		op->perf = NULL;
		return ret;
	}
	c->nr_host += spec.nr;
	return 0;
}

static int add_op(struct lc *c, const char *s, unsigned int len, size_t *cap)
{
	struct prog *p = c->p;
	const struct tok *w = next(c);
	struct prog_op op = { .line = c->line, .col = w->col };
	int ret;

	if (tok_is(w, "pmu"))
		return parse_pmu(c, w);
	if (!c->have_pmu)
		return err_at(c, w, "expected a pmu line before the first operation");
	if (tok_is(w, "only"))
		return parse_only(c, w);
	ret = tok_is(w, "host") ? parse_host(c, s, len, &op) : parse_op(c, w, &op);
	if (ret)
		return ret;
	if (p->nr_ops == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		struct prog_op *n = realloc(p->ops, ncap * sizeof(*n));

		if (!n)
			return diag__set(c->d, VPMU_E_NOMEM, c->path, 0, 0, "out of memory");
		p->ops = n;
		*cap = ncap;
	}
	op.text = trimmed(s, len);
	if (!op.text)
		return diag__set(c->d, VPMU_E_NOMEM, c->path, 0, 0, "out of memory");
	p->ops[p->nr_ops++] = op;
	if (op.kind != OP_EXPECT)
		c->prev_kind = (int)op.kind;
	return 0;
}

int vpmu_parse__buffer(const char *path, const char *text, size_t len,
		       struct prog **out, struct diag *d)
{
	struct lc *c = calloc(1, sizeof(*c));
	struct prog *p = calloc(1, sizeof(*p));
	size_t cap = 0, off = 0;
	int ret = 0;

	*out = NULL;
	if (!c || !p || !(p->path = strdup(path))) {
		free(c);
		prog__free(p);
		return diag__set(d, VPMU_E_NOMEM, path, 0, 0, "out of memory");
	}
	*c = (struct lc){ .path = path, .d = d, .p = p, .prev_kind = -1 };
	p->env = ENV_ALL;
	while (!ret && off < len) {
		const char *s = text + off, *nl = memchr(s, '\n', len - off);
		unsigned int n = (unsigned int)(nl ? (size_t)(nl - s) : len - off);

		off += n + 1;
		c->line++;
		if (memchr(s, 0, n)) {
			ret = diag__set(d, VPMU_E_PARSE, path, c->line, 1,
					"expected text, found a NUL byte");
			break;
		}
		if (n && s[n - 1] == '\r')
			n--;
		if (!(ret = lex(c, s, n)) && c->n)
			ret = add_op(c, s, n, &cap);
	}
	if (!ret && !c->have_pmu)
		ret = diag__set(d, VPMU_E_PARSE, path, c->line ? c->line : 1, 1,
				"expected a pmu line (pmu intel ... or pmu amd ...)");
	free(c);
	if (ret) {
		prog__free(p);
		return ret;
	}
	*out = p;
	return 0;
}

int vpmu_parse__file(const char *path, struct prog **out, struct diag *d)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int ret;

	*out = NULL;
	if (!f)
		return diag__set(d, VPMU_E_IO, path, 0, 0, "cannot open: %s", strerror(errno));
	for (;;) {
		if (len == cap) {
			char *n = realloc(buf, cap = cap ? 2 * cap : 65536);

			if (!n) {
				free(buf);
				fclose(f);
				return diag__set(d, VPMU_E_NOMEM, path, 0, 0, "out of memory");
			}
			buf = n;
		}
		size_t got = fread(buf + len, 1, cap - len, f);

		len += got;
		if (got == 0)
			break;
	}
	ret = ferror(f) ? diag__set(d, VPMU_E_IO, path, 0, 0, "cannot read: %s",
				    strerror(errno)) : 0;
	fclose(f);
	if (!ret)
		ret = vpmu_parse__buffer(path, buf ? buf : "", len, out, d);
	free(buf);
	return ret;
}
