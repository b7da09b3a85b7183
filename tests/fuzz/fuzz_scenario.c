/*
 * tests/fuzz/fuzz_scenario.c - libFuzzer target for the scenario reader
 * (input/scenario.c, and through [host] perf the perf command reader).
 */
#include "fuzz.h"
#include "input/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz__cstr(data, size);
	struct diag d = { 0 };
	static struct scenario s;
	int ret;

	if (!text)
		return 0;
	ret = scenario__parse("fuzz.ini", text, &s, &d);
	fuzz__check_diag(ret, &d);
	if (!ret && (!s.name[0] || !s.guest.work_minsns))
		abort();
	free(text);
	return 0;
}
