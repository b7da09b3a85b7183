/*
 * tests/fuzz/fuzz_ini.c - libFuzzer target for the INI reader
 * (input/ini.c): any bytes, every item handed to a callback that reads
 * all of its fields; each item's columns must lie on its line.
 */
#include "fuzz.h"
#include "input/ini.h"

static int on_item(void *ctx, const struct ini_item *it, struct diag *d)
{
	size_t *total = ctx;

	(void)d;
	if (!it->key[0] || it->key_col < 1 || it->value_col < it->key_col ||
	    it->value_end_col < it->value_col)
		abort();
	*total += strlen(it->section) + strlen(it->key) + strlen(it->value) +
		  (it->comment ? strlen(it->comment) : 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz__cstr(data, size);
	struct diag d = { 0 };
	size_t total = 0;

	if (!text)
		return 0;
	fuzz__check_diag(ini__parse("fuzz.ini", text, on_item, &total, &d), &d);
	free(text);
	return 0;
}
