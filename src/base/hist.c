/*
 * base/hist.c - see hist.h. Values hash (a 64-bit multiplicative hash) into
 * a table that doubles when half full; a percentile sorts the distinct
 * values once (until the next add) and walks their cumulative counts.
 */
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/hist.h"

static size_t slot_of(u64 value, size_t cap)
{
	return (size_t)((value * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

/* The slot holding @value, or the empty one where it goes. */
static struct hist_bin *find(struct hist_bin *bins, size_t cap, u64 value)
{
	size_t i = slot_of(value, cap);

	while (bins[i].count && bins[i].value != value)
		i = (i + 1) & (cap - 1);
	return &bins[i];
}

static int grow(struct hist *h)
{
	size_t cap = h->cap ? 2 * h->cap : 64;
	struct hist_bin *bins = calloc(cap, sizeof(*bins));

	if (!bins)
		return VPMU_E_NOMEM;
	for (size_t i = 0; i < h->cap; i++)
		if (h->bins[i].count)
			*find(bins, cap, h->bins[i].value) = h->bins[i];
	free(h->bins);
	h->bins = bins;
	h->cap = cap;
	h->last = NULL;
	return 0;
}

int hist__merge(struct hist *to, const struct hist *from)
{
	for (size_t i = 0; i < from->cap; i++)
		if (from->bins[i].count && hist__add_n(to, from->bins[i].value, from->bins[i].count))
			return VPMU_E_NOMEM;
	return 0;
}

int hist__add_n(struct hist *h, u64 value, u64 n)
{
	struct hist_bin *b;

	if (!n)
		return 0;
	if (h->last && h->last->value == value) {
		b = h->last;
	} else {
		if (2 * (h->distinct + 1) > h->cap && grow(h))
			return VPMU_E_NOMEM;
		b = find(h->bins, h->cap, value);
		if (!b->count) {
			b->value = value;
			h->distinct++;
		}
		h->last = b;
	}
	b->count += n;
	h->is_sorted = false;
	h->n += n;
	h->sum += value * n;
	h->max = max_u64(h->max, value);
	return 0;
}

/*
 * The distinct values in order: an LSD radix sort, a byte a pass, passes
 * where every value has the same byte skipped (latencies rarely pass 2^32,
 * so four or fewer passes); the values are distinct, so the order is total.
 */
static void radix_sort(struct hist_bin *a, struct hist_bin *tmp, size_t n)
{
	struct hist_bin *src = a, *dst = tmp, *t;

	for (unsigned int shift = 0; shift < 64 && n > 1; shift += 8) {
		size_t cnt[256] = { 0 }, pos = 0;

		for (size_t i = 0; i < n; i++)
			cnt[(src[i].value >> shift) & 0xff]++;
		if (cnt[(src[0].value >> shift) & 0xff] == n)
			continue;
		for (unsigned int b = 0; b < 256; b++) {
			size_t c = cnt[b];

			cnt[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[(src[i].value >> shift) & 0xff]++] = src[i];
		t = src, src = dst, dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/* sorted holds the distinct values (first half) and the sort's scratch. */
static int sort_bins(struct hist *h)
{
	struct hist_bin *s = realloc(h->sorted, 2 * h->distinct * sizeof(*s));
	size_t k = 0;

	if (!s)
		return VPMU_E_NOMEM;
	h->sorted = s;
	for (size_t i = 0; i < h->cap; i++)
		if (h->bins[i].count)
			s[k++] = h->bins[i];
	radix_sort(s, s + k, k);
	h->is_sorted = true;
	return 0;
}

u64 hist__percentile(struct hist *h, unsigned int p)
{
	u64 rank, seen = 0;

	if (!h->n)
		return 0;
	/* out of memory for the sorted copy (O(distinct)): the maximum, which
	 * bounds every rank, is the one answer left */
	if (!h->is_sorted && sort_bins(h))
		return h->max;
	rank = (h->n * p + 99) / 100;	/* nearest rank, 1-based */
	if (!rank)
		rank = 1;
	for (size_t i = 0; i < h->distinct; i++) {
		seen += h->sorted[i].count;
		if (seen >= rank)
			return h->sorted[i].value;
	}
	return h->max;
}

void hist__percentiles(struct hist *h, const unsigned int *p, size_t n, u64 *out)
{
	u64 seen = 0;
	size_t i = 0, k = 0;

	if (!h->n || (!h->is_sorted && sort_bins(h))) {	/* as hist__percentile */
		for (k = 0; k < n; k++)
			out[k] = h->n ? h->max : 0;
		return;
	}
	for (; k < n; k++) {
		u64 rank = (h->n * p[k] + 99) / 100;

		rank = rank ? rank : 1;
		while (i < h->distinct && seen + h->sorted[i].count < rank)
			seen += h->sorted[i++].count;
		out[k] = i < h->distinct ? h->sorted[i].value : h->max;
	}
}

void hist__free(struct hist *h)
{
	free(h->bins);
	free(h->sorted);
	*h = (struct hist){ 0 };
}
