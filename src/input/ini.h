/*
 * input/ini.h - the INI dialect of profiles and scenarios: "[section]"
 * lines and "key = value  # comment" lines; '#' starts a comment. Each
 * key/value goes to a callback with its position, so the caller's
 * messages can name file:line:column.
 */
#ifndef VPMU__INPUT_INI_H
#define VPMU__INPUT_INI_H

#include "base/diag.h"

struct ini_item {
	const char *path;
	unsigned int line;
	const char *section;
	const char *key;
	unsigned int key_col;
	const char *value;
	unsigned int value_col;
	unsigned int value_end_col;	/* the column just past the value */
	const char *comment;		/* after '#', spaces skipped; NULL if none */
};

/* Returns 0 or the callback's / the parser's error (filled into @d). */
typedef int (*ini_fn)(void *ctx, const struct ini_item *it, struct diag *d);
int ini__parse(const char *path, const char *text, ini_fn fn, void *ctx, struct diag *d);
/* A whole file as a NUL-terminated string (free it), or NULL with @d set. */
char *ini__read_file(const char *path, struct diag *d);

struct embedded_file;
typedef int (*ini_parse_fn)(const char *path, const char *text, void *out, struct diag *d);
/* Parse @name with @parse: a file when @name has a '/' or ends in .ini, else
 * the built-in of that name in @table; @what names the kind in errors. */
int ini__load(const char *name, const struct embedded_file *table, const char *what,
	      ini_parse_fn parse, void *out, struct diag *d);

#endif /* VPMU__INPUT_INI_H */
