/*
 * input/vpmu_parse.h - the .vpmu guest program reader
 * (docs/guest-programs.md). Rejects a malformed program whole, with the
 * file, line and column of the first problem and what was expected.
 */
#ifndef VPMU__INPUT_VPMU_PARSE_H
#define VPMU__INPUT_VPMU_PARSE_H

#include "base/diag.h"
#include "guest/program.h"

/* Parse @len bytes of @text, named @path in messages. */
int vpmu_parse__buffer(const char *path, const char *text, size_t len,
		       struct prog **out, struct diag *d);
/* Read and parse a file. */
int vpmu_parse__file(const char *path, struct prog **out, struct diag *d);

#endif /* VPMU__INPUT_VPMU_PARSE_H */
