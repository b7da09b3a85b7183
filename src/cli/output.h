/*
 * cli/output.h - the artefacts of compare and sweep: a directory made on
 * demand, JSON documents written whole (temporary file, then rename), and
 * gnuplot run on the plot scripts when it is installed.
 */
#ifndef VPMU__CLI_OUTPUT_H
#define VPMU__CLI_OUTPUT_H

#include <jansson.h>

#include "cli/cli.h"
#include "report/plots.h"

/* mkdir -p; 0 or -1 (printed). */
int cli__mkdirs(const struct cli_cmd *c, const char *dir);
/* @doc to @path ("-": stdout), whole or not at all; 0 or -1 (printed). */
int cli__write_json(const struct cli_cmd *c, const char *path, const json_t *doc);
/* DIR/NAME.dat and .gp for every plot, then gnuplot in DIR; the SVGs read
 * back into @out (caller frees .svg). Returns how many were rendered, or
 * -1 (printed) when a file could not be written. */
int cli__plots(const struct cli_cmd *c, const char *dir, const struct report_set *s,
	       struct report_html_plot *out);

/* A scenario's name must be UTF-8 (it goes into JSON as it is): 0, or
 * EXIT_BAD_INPUT after printing the file's first bad byte as file:line:col. */
int cli__check_name(const char *arg, const struct scenario *sc);

/* A profile or scenario that did not load: for a built-in name, what
 * exists and a "did you mean"; for a file, its diag. Returns EXIT_BAD_INPUT. */
int cli__load_error(const struct cli_cmd *c, const char *opt, const char *name,
		    const struct embedded_file *builtin, const char *what, const struct diag *d);

#endif /* VPMU__CLI_OUTPUT_H */
