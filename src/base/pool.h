/*
 * base/pool.h - run independent jobs on a few threads.
 *
 * pool__run() calls fn(ctx, i) once for every i in [0, n), on up to @jobs
 * threads (the caller's among them), and returns when all have returned.
 * Jobs are taken in index order, each by the first free thread; what a job
 * writes must be its own (its slot of an array indexed by i), so the
 * result does not depend on the number of threads or on their timing.
 * With @jobs <= 1 (or n <= 1) the jobs run in order on the caller's thread
 * and no thread is started.
 */
#ifndef VPMU__BASE_POOL_H
#define VPMU__BASE_POOL_H

#include <stddef.h>

typedef void (*pool_fn)(void *ctx, size_t i);

/* A thread that cannot be started leaves its share to the others (at
 * worst the caller's thread runs every job). */
void pool__run(unsigned int jobs, size_t n, pool_fn fn, void *ctx);

/* The processors online (sysconf), at least 1: the default job count. */
unsigned int pool__cpus(void);

#endif /* VPMU__BASE_POOL_H */
