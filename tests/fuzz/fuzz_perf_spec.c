/*
 * tests/fuzz/fuzz_perf_spec.c - libFuzzer target for the host perf
 * command reader (input/perf_spec.c), the words after "perf" of a
 * scenario's [host] perf or a program's `host perf` line. An error's
 * column must lie inside the text; an accepted session has 1..16 events
 * and, for record, a period or a frequency that is not zero.
 */
#include "fuzz.h"
#include "input/perf_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz__cstr(data, size);
	static struct perf_spec sp;
	unsigned int col = 0;
	char err[200] = "";

	if (!text)
		return 0;
	if (perf_spec__parse(text, &sp, &col, err, sizeof(err))) {
		if (!err[0] || col > strlen(text))
			abort();
	} else if (sp.nr < 1 || sp.nr > PERF_SPEC_MAX ||
		   (sp.record && !(sp.freq ? sp.sample_freq : sp.sample_period))) {
		abort();
	}
	free(text);
	return 0;
}
