/*
 * base/util.h - small helpers shared by every layer: fixed-width types, bit
 * macros, array sizes, and an exact 64x64/64 multiply-divide.
 *
 * Nothing here allocates or fails.
 */
#ifndef VPMU__BASE_UTIL_H
#define VPMU__BASE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT_ULL(n) (1ULL << (n))
/* Bits h..l set, h >= l, h <= 63. */
#define GENMASK_ULL(h, l) ((~0ULL >> (63 - (h))) & (~0ULL << (l)))

/* A mask of the low @width bits; width 64 gives all ones, width 0 gives 0. */
static inline u64 mask_of_width(unsigned int width)
{
	return width >= 64 ? ~0ULL : (1ULL << width) - 1;
}

/* Bits set in @v. SWAR, inline: without -mpopcnt the builtin is a libgcc
 * call (__popcountdi2), which the perf scheduler made 4 % of a run. */
static inline unsigned int popcount64(u64 v)
{
	v = v - ((v >> 1) & 0x5555555555555555ULL);
	v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned int)((v * 0x0101010101010101ULL) >> 56);
}

static inline u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

static inline u64 max_u64(u64 a, u64 b)
{
	return a > b ? a : b;
}

/* The same in 128 bits always (util.c): the straightforward form, kept for
 * the reference engine and for products that do not fit 64 bits. */
u64 mul_div_floor_wide(u64 a, u64 b, u64 c);
u64 mul_div_ceil_wide(u64 a, u64 b, u64 c);

/* floor(a * b / c) without overflow; c > 0; the result must fit 64 bits.
 * A 64-bit division when the product fits (the common case: the 128-bit
 * one is a libgcc call, __udivti3, several times slower). */
static inline u64 mul_div_floor(u64 a, u64 b, u64 c)
{
	u64 p;

	if (!__builtin_mul_overflow(a, b, &p))
		return p / c;
	return mul_div_floor_wide(a, b, c);
}

/* ceil(a * b / c) without overflow; c > 0; the result must fit 64 bits. */
static inline u64 mul_div_ceil(u64 a, u64 b, u64 c)
{
	u64 p;

	if (!__builtin_mul_overflow(a, b, &p))
		return p / c + (p % c != 0);
	return mul_div_ceil_wide(a, b, c);
}

#endif /* VPMU__BASE_UTIL_H */
