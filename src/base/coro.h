/*
 * base/coro.h - coroutines: a function that runs on its own stack and can
 * hand control back to whoever resumed it, to be resumed later where it
 * stopped. sim/host.c runs each vCPU thread of a simulated host as one, so
 * that a thread that is scheduled out in the middle of KVM's run loop keeps
 * its place (its call stack) while other threads use the pCPU.
 *
 * Only one coroutine runs at a time and switches happen only where the code
 * asks for them (coro__yield), so a run is as deterministic as plain code.
 * Built on Boost.Context's fcontext switch (Debian libboost-context-dev,
 * linked statically: its assembly only), which makes no system call;
 * AddressSanitizer is told of each stack switch.
 */
#ifndef VPMU__BASE_CORO_H
#define VPMU__BASE_CORO_H

#include <stddef.h>

#include "base/util.h"

struct coro;
typedef void (*coro_fn)(void *arg);

/* A coroutine that will run @fn(@arg) on a stack of @stack_bytes when first
 * resumed; NULL when memory runs out. */
struct coro *coro__new(coro_fn fn, void *arg, size_t stack_bytes);
void coro__free(struct coro *c);
/* Run @c until it yields or its function returns. Returns whether it has
 * finished (then it must not be resumed again). Not from inside @c. */
bool coro__resume(struct coro *c);
/* From inside the running coroutine: back to its resumer. */
void coro__yield(void);
/* Is code running inside a coroutine (not on the main stack)? */
bool coro__is_inside(void);

#endif /* VPMU__BASE_CORO_H */
