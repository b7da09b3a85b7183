/*
 * input/ini.c - see ini.h.
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "input/embedded.h"
#include "input/ini.h"

/* "[name]" and nothing after it but spaces (the comment is already cut). */
static int parse_section(const char *path, unsigned int lineno, const char *s, char *key,
			 char *section, size_t section_len, struct diag *d)
{
	char *e = strchr(key, ']');
	const char *rest;

	if (!e || e == key + 1 || (size_t)(e - key - 1) >= section_len)
		return diag__set(d, VPMU_E_PARSE, path, lineno, (unsigned int)(key - s + 1),
				 "expected [section] (a name of 1..%zu characters)",
				 section_len - 1);
	rest = e + 1 + strspn(e + 1, " \t\r");
	if (*rest)
		return diag__set(d, VPMU_E_PARSE, path, lineno, (unsigned int)(rest - s + 1),
				 "expected the end of the line after [section]");
	*e = 0;
	memcpy(section, key + 1, (size_t)(e - key));
	return 0;
}

static int parse_line(const char *path, unsigned int lineno, char *s, char *section,
		      size_t section_len, ini_fn fn, void *ctx, struct diag *d)
{
	char *hash = strchr(s, '#'), *eq, *key, *val, *e;
	struct ini_item it = { .path = path, .line = lineno, .section = section };

	if (hash) {
		it.comment = hash + 1 + strspn(hash + 1, " \t");
		*hash = 0;
	}
	key = s + strspn(s, " \t\r");
	if (!*key)
		return 0;
	if (*key == '[')
		return parse_section(path, lineno, s, key, section, section_len, d);
	eq = strchr(key, '=');
	if (!eq)
		return diag__set(d, VPMU_E_PARSE, path, lineno, (unsigned int)(key - s + 1),
				 "expected key = value");
	for (e = eq; e > key && isspace((unsigned char)e[-1]); e--)
		;
	if (e == key)
		return diag__set(d, VPMU_E_PARSE, path, lineno, (unsigned int)(key - s + 1),
				 "expected a key before '='");
	*e = 0;
	val = eq + 1 + strspn(eq + 1, " \t");
	for (e = val + strlen(val); e > val && isspace((unsigned char)e[-1]); e--)
		;
	*e = 0;
	it.key = key;
	it.key_col = (unsigned int)(key - s + 1);
	it.value = val;
	it.value_col = (unsigned int)(val - s + 1);
	it.value_end_col = (unsigned int)(e - s + 1);
	return fn(ctx, &it, d);
}

int ini__parse(const char *path, const char *text, ini_fn fn, void *ctx, struct diag *d)
{
	char line[512], section[32] = "";
	unsigned int lineno = 0;
	int ret;

	while (*text) {
		size_t n = strcspn(text, "\n");

		lineno++;
		if (n >= sizeof(line))
			return diag__set(d, VPMU_E_PARSE, path, lineno, 1,
					 "expected a line of at most 511 characters");
		memcpy(line, text, n);
		line[n && text[n - 1] == '\r' ? n - 1 : n] = 0;	/* CRLF files */
		text += n + (text[n] == '\n');
		if ((ret = parse_line(path, lineno, line, section, sizeof(section), fn, ctx, d)))
			return ret;
	}
	return 0;
}

/* A NUL byte would cut the text there: refuse it, at its line and column. */
static bool has_nul(const char *path, const char *buf, size_t n, struct diag *d)
{
	const char *z = memchr(buf, 0, n), *bol = buf;
	unsigned int line = 1;

	if (!z)
		return false;
	for (const char *p = buf; p < z; p++)
		if (*p == '\n') {
			line++;
			bol = p + 1;
		}
	diag__set(d, VPMU_E_PARSE, path, line, (unsigned int)(z - bol + 1),
		  "expected text, found a NUL byte");
	return true;
}

/* Profiles and scenarios are small text files; a larger input is a mistake. */
#define INI_MAX_BYTES (16L << 20)

char *ini__read_file(const char *path, struct diag *d)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;
	long n;

	if (!f) {
		diag__set(d, VPMU_E_IO, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > INI_MAX_BYTES) {
		fclose(f);
		diag__set(d, VPMU_E_IO, path, 0, 0, "expected a regular file of at most %ld bytes",
			  INI_MAX_BYTES);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)n + 1))) {
		fclose(f);
		diag__set(d, VPMU_E_IO, path, 0, 0, "cannot read");
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		diag__set(d, VPMU_E_IO, path, 0, 0, "cannot read");
		return NULL;
	}
	buf[n] = 0;
	fclose(f);
	if (has_nul(path, buf, (size_t)n, d)) {
		free(buf);
		return NULL;
	}
	return buf;
}


int ini__load(const char *name, const struct embedded_file *table, const char *what,
	      ini_parse_fn parse, void *out, struct diag *d)
{
	size_t n = strlen(name);
	char *text;
	int ret;

	if (strchr(name, '/') || (n > 4 && !strcmp(name + n - 4, ".ini"))) {
		if (!(text = ini__read_file(name, d)))
			return VPMU_E_IO;
		ret = parse(name, text, out, d);
		free(text);
		return ret;
	}
	for (const struct embedded_file *b = table; b->name; b++)
		if (!strcmp(b->name, name))
			return parse(b->path, b->text, out, d);
	return diag__set(d, VPMU_E_INVAL, name, 0, 0,
			 "expected a %s name (vpmu list %ss) or a .ini file", what, what);
}
