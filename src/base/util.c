/*
 * base/util.c - exact integer arithmetic used by the counting engine.
 *
 * The products of event counts and cycle positions exceed 64 bits for long
 * segments, so they are formed in 128 bits (a GCC/Clang extension, marked as
 * such so -Wpedantic stays quiet). util.h tries 64 bits first.
 */
#include "base/util.h"

__extension__ typedef unsigned __int128 u128;

u64 mul_div_floor_wide(u64 a, u64 b, u64 c)
{
	return (u64)(((u128)a * b) / c);
}

u64 mul_div_ceil_wide(u64 a, u64 b, u64 c)
{
	u128 p = (u128)a * b;

	return (u64)((p + c - 1) / c);
}
