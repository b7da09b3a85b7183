/*
 * input/msr_names.h - symbolic MSR names of guest programs: the SDM's
 * (IA32_...) and the kernel msr-index.h's (MSR_...), case-insensitive.
 */
#ifndef VPMU__INPUT_MSR_NAMES_H
#define VPMU__INPUT_MSR_NAMES_H

#include "base/util.h"

/* 0 and *msr set when @name is known, -1 otherwise. */
int msr_name__lookup(const char *name, u32 *msr);

#endif /* VPMU__INPUT_MSR_NAMES_H */
