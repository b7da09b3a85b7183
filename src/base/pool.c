/*
 * base/pool.c - see pool.h. The next job's index is one atomic counter;
 * each thread takes indexes until they run out.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "base/pool.h"

#define POOL_MAX_THREADS 64

struct pool {
	atomic_size_t next;
	size_t n;
	pool_fn fn;
	void *ctx;
};

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);

		if (i >= p->n)
			return NULL;
		p->fn(p->ctx, i);
	}
}

void pool__run(unsigned int jobs, size_t n, pool_fn fn, void *ctx)
{
	struct pool p = { .n = n, .fn = fn, .ctx = ctx };
	pthread_t t[POOL_MAX_THREADS];
	unsigned int started = 0;

	atomic_init(&p.next, 0);
	if (jobs > POOL_MAX_THREADS)
		jobs = POOL_MAX_THREADS;
	if (jobs > n)
		jobs = (unsigned int)n;
	for (unsigned int k = 1; k < jobs; k++)
		if (!pthread_create(&t[started], NULL, worker, &p))
			started++;
	worker(&p);
	for (unsigned int k = 0; k < started; k++)
		pthread_join(t[k], NULL);
}

unsigned int pool__cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > POOL_MAX_THREADS ? POOL_MAX_THREADS : (unsigned int)n;
}
