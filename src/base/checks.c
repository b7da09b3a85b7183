/*
 * base/checks.c - see checks.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "base/checks.h"

static bool on;
static char failure[320];

void checks__set(bool v)
{
	on = v;
	failure[0] = 0;
}

bool checks__are_on(void)
{
	return on;
}

void checks__fail(const char *fmt, ...)
{
	va_list ap;

	if (failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
}

const char *checks__failure(void)
{
	return failure[0] ? failure : NULL;
}
