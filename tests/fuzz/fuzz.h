/*
 * tests/fuzz/fuzz.h - shared by the libFuzzer targets (one reader of
 * outside input each; `make fuzz`, docs in tests/fuzz/README.md).
 *
 * Every target copies the fuzzer's bytes into a NUL-terminated buffer (the
 * readers take C strings, as a file read by ini__read_file is), so a
 * target sees exactly what the reader would see from a file. A target
 * passes when the reader returns without a sanitizer report; it also
 * checks the reader's contract: an error carries a message, a success a
 * usable result.
 */
#ifndef VPMU__TESTS_FUZZ_H
#define VPMU__TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* @data as a C string (free it); NULL when out of memory. */
static inline char *fuzz__cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = 0;
	}
	return s;
}

/* A failed reader must say what it expected: abort() (a finding) if not. */
static inline void fuzz__check_diag(int ret, const struct diag *d)
{
	if (ret && !d->msg[0])
		abort();
}

#endif /* VPMU__TESTS_FUZZ_H */
