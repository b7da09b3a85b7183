/*
 * base/hist.c - see hist.h.
 */
#include <stdlib.h>

#include "base/diag.h"
#include "base/hist.h"

int hist__add(struct hist *h, u64 value)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 256;
		u64 *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return VPMU_E_NOMEM;
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n++] = value;
	h->sorted = false;
	h->sum += value;
	h->max = max_u64(h->max, value);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

u64 hist__percentile(struct hist *h, unsigned int p)
{
	size_t rank;

	if (!h->n)
		return 0;
	if (!h->sorted) {
		qsort(h->v, h->n, sizeof(*h->v), cmp_u64);
		h->sorted = true;
	}
	rank = (h->n * p + 99) / 100;	/* nearest rank, 1-based */
	return h->v[rank ? rank - 1 : 0];
}

void hist__free(struct hist *h)
{
	free(h->v);
	*h = (struct hist){ 0 };
}
