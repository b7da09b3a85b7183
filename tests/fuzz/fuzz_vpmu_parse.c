/*
 * tests/fuzz/fuzz_vpmu_parse.c - libFuzzer target for the .vpmu guest
 * program reader (input/vpmu_parse.c), with the bytes as they are (NUL
 * bytes included: vpmu_parse__buffer takes a length).
 */
#include "fuzz.h"
#include "input/vpmu_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d = { 0 };
	struct prog *p = NULL;
	int ret = vpmu_parse__buffer("fuzz.vpmu", (const char *)data, size, &p, &d);

	fuzz__check_diag(ret, &d);
	if (ret && p)
		abort();	/* never half a program */
	if (!ret)
		prog__free(p);
	return 0;
}
