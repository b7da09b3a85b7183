/*
 * base/diag.h - error reporting for library code.
 *
 * Library functions return 0 or a negative VPMU_E* code and, for input
 * errors, fill a struct diag with the position and the message. They never
 * print and never exit; cli/ decides what to do with a diag.
 *
 * Positions are 1-based; line 0 means "no position" (an error about the
 * file as a whole).
 */
#ifndef VPMU__BASE_DIAG_H
#define VPMU__BASE_DIAG_H

#include <stdarg.h>

enum vpmu_err {
	VPMU_OK = 0,
	VPMU_E_NOMEM = -1,	/* an allocation failed */
	VPMU_E_IO = -2,		/* a file could not be read */
	VPMU_E_PARSE = -3,	/* malformed input; the diag says where and why */
	VPMU_E_INVAL = -4,	/* an argument out of range */
};

struct diag {
	char file[256];
	unsigned int line;
	unsigned int col;
	char msg[512];
};

/* Fill @d (if not NULL) and return @code, so callers can "return diag__set(...)". */
int diag__set(struct diag *d, int code, const char *file, unsigned int line,
	      unsigned int col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* "file:line:col: error: msg" (or "file: error: msg" without a position). */
int diag__format(const struct diag *d, char *buf, unsigned long size);

const char *vpmu_strerror(int code);

#endif /* VPMU__BASE_DIAG_H */
