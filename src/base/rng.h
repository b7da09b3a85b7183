/*
 * base/rng.h - a small deterministic PRNG (splitmix64 seeding xoshiro256**).
 * The same seed gives the same sequence on every machine; nothing here
 * reads the clock or the environment.
 */
#ifndef VPMU__BASE_RNG_H
#define VPMU__BASE_RNG_H

#include "base/util.h"

struct rng {
	u64 s[4];
};

void rng__seed(struct rng *r, u64 seed);
u64 rng__next(struct rng *r);
/* Uniform in [0, n). n == 0 (an empty range) returns 0 and draws nothing,
 * so a caller's zero-width range never divides by zero. */
u64 rng__below(struct rng *r, u64 n);
/* True with probability num/den; den == 0 is never true (draws nothing). */
bool rng__chance(struct rng *r, u64 num, u64 den);

#endif /* VPMU__BASE_RNG_H */
