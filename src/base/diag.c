/*
 * base/diag.c - see diag.h.
 */
#include <stdio.h>
#include <string.h>

#include "base/diag.h"

int diag__set(struct diag *d, int code, const char *file, unsigned int line,
	      unsigned int col, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return code;
	snprintf(d->file, sizeof(d->file), "%s", file ? file : "");
	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return code;
}

int diag__format(const struct diag *d, char *buf, unsigned long size)
{
	if (d->line)
		return snprintf(buf, size, "%s:%u:%u: error: %s", d->file,
				d->line, d->col, d->msg);
	return snprintf(buf, size, "%s: error: %s", d->file, d->msg);
}

const char *vpmu_strerror(int code)
{
	switch (code) {
	case VPMU_OK:
		return "success";
	case VPMU_E_NOMEM:
		return "out of memory";
	case VPMU_E_IO:
		return "input/output error";
	case VPMU_E_PARSE:
		return "malformed input";
	case VPMU_E_INVAL:
		return "invalid argument";
	}
	return "unknown error";
}
