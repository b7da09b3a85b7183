/*
 * input/perf_spec.h - host perf sessions as a person types them:
 *   perf stat   [-a] -e EVENTS
 *   perf record [-a] [-F FREQ | -c PERIOD] -e EVENTS
 * EVENTS is perf's list syntax: names or rHEX raw configs, comma-separated,
 * with :MODIFIERS (u k H G D) on an event or on a {group}.
 */
#ifndef VPMU__INPUT_PERF_SPEC_H
#define VPMU__INPUT_PERF_SPEC_H

#include "perf/perf.h"

#define PERF_SPEC_MAX 16
/* kernel.perf_event_max_sample_rate's default (kernel/events/core.c
 * DEFAULT_MAX_SAMPLE_RATE): perf_event_open() refuses a higher -F. */
#define PERF_SPEC_MAX_FREQ 100000

struct perf_spec {
	bool record;
	bool freq;			/* record: -F (default 4000) or -c */
	u64 sample_freq, sample_period;
	int nr;
	struct perf_attr attr[PERF_SPEC_MAX];
	int leader[PERF_SPEC_MAX];	/* index of the group leader, or -1 for a leader */
};

/*
 * Parse @text (the words after "perf"). Returns 0, or -1 with *err_col
 * (0-based offset into @text) and @err filled.
 */
/* The i-th event name the syntax accepts (besides rHEX), or NULL past the end. */
const char *perf_spec__event_name(unsigned int i);
int perf_spec__parse(const char *text, struct perf_spec *spec, unsigned int *err_col,
		     char *err, unsigned long len);

#endif /* VPMU__INPUT_PERF_SPEC_H */
