/*
 * base/rng.c - xoshiro256** (Blackman and Vigna, public domain reference
 * algorithm), seeded through splitmix64. Bounded draws use rejection so they
 * are unbiased.
 */
#include "base/rng.h"

static u64 splitmix64(u64 *x)
{
	u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 rotl(u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rng__seed(struct rng *r, u64 seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

u64 rng__next(struct rng *r)
{
	u64 *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

u64 rng__below(struct rng *r, u64 n)
{
	u64 limit, v;

	if (!n)
		return 0;	/* the empty range: rng.h */
	limit = ~0ULL - (~0ULL % n);
	do
		v = rng__next(r);
	while (v >= limit);
	return v % n;
}

bool rng__chance(struct rng *r, u64 num, u64 den)
{
	return den && rng__below(r, den) < num;
}
