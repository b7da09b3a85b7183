/*
 * tests/fuzz/fuzz_profile.c - libFuzzer target for the cost profile
 * reader (input/profile.c). An accepted profile must be one the
 * simulator can use: a clock, a tick, a PMU inside the documented ranges.
 */
#include "fuzz.h"
#include "input/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz__cstr(data, size);
	struct diag d = { 0 };
	static struct profile p;
	int ret;

	if (!text)
		return 0;
	ret = profile__parse("fuzz.ini", text, &p, &d);
	fuzz__check_diag(ret, &d);
	if (!ret && (!p.core_mhz || !p.perf.tick_cycles || p.pmu.nr_gp > 8 ||
		     p.pmu.nr_fixed > 4))
		abort();
	free(text);
	return 0;
}
