/*
 * base/coro.c - see coro.h. One coroutine runs at a time; `current` is it
 * (NULL: the main stack). A switch is one jump_fcontext() of Boost.Context
 * (Debian libboost-context-dev): the callee-saved registers and the stack
 * pointer, no system call (glibc's getcontext/setcontext save and restore
 * the signal mask with rt_sigprocmask at every switch).
 */
#include <stdlib.h>

#include "base/coro.h"

#if defined(__SANITIZE_ADDRESS__)
#define CORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN 1
#endif
#endif

#ifdef CORO_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

/* Boost.Context's C-linkage context switch (boost/context/detail/fcontext.hpp,
 * a C++ header: its two functions are declared here). make_fcontext takes
 * the top of the stack; jump_fcontext switches to @to, handing it @data, and
 * returns when something jumps back, with that one's context. */
typedef void *fcontext_t;
struct transfer {
	fcontext_t fctx;
	void *data;
};
struct transfer jump_fcontext(fcontext_t const to, void *data);
fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(struct transfer));

struct coro {
	fcontext_t ctx;		/* the coroutine where it stopped */
	fcontext_t back;	/* its resumer where it resumed it */
	coro_fn fn;
	void *arg;
	void *stack;
	size_t stack_bytes;
	bool done;
	void *resumer_fake, *self_fake;	/* ASan's fake stacks across switches */
	const void *back_bottom;	/* the resumer's stack, for ASan */
	size_t back_size;
};

static _Thread_local struct coro *current;	/* one a thread: runs of several threads each have their own */

/* ASan: entering a stack (@bottom, @size) from the one we are on. */
static void switch_begin(void **save, const void *bottom, size_t size)
{
#ifdef CORO_ASAN
	__sanitizer_start_switch_fiber(save, bottom, size);
#else
	(void)save, (void)bottom, (void)size;
#endif
}

static void switch_end(void *save, const void **bottom, size_t *size)
{
#ifdef CORO_ASAN
	__sanitizer_finish_switch_fiber(save, bottom, size);
#else
	(void)save, (void)bottom, (void)size;
#endif
}

/* The coroutine's first frame: @t is its resumer's context and the coro. */
static void entry(struct transfer t)
{
	struct coro *c = t.data;

	c->back = t.fctx;
	switch_end(NULL, &c->back_bottom, &c->back_size);
	c->fn(c->arg);
	c->done = true;
	switch_begin(NULL, c->back_bottom, c->back_size);	/* this stack is done */
	jump_fcontext(c->back, NULL);	/* never resumed again */
	abort();
}

struct coro *coro__new(coro_fn fn, void *arg, size_t stack_bytes)
{
	struct coro *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->stack = malloc(stack_bytes);
	if (!c->stack) {
		free(c);
		return NULL;
	}
	c->fn = fn;
	c->arg = arg;
	c->stack_bytes = stack_bytes;
	c->ctx = make_fcontext((char *)c->stack + stack_bytes, stack_bytes, entry);
	return c;
}

void coro__free(struct coro *c)
{
	if (!c)
		return;
	free(c->stack);
	free(c);
}

bool coro__resume(struct coro *c)
{
	struct coro *prev = current;
	struct transfer t;

	current = c;
	switch_begin(&c->resumer_fake, c->stack, c->stack_bytes);
	t = jump_fcontext(c->ctx, c);
	switch_end(c->resumer_fake, NULL, NULL);
	c->ctx = t.fctx;
	current = prev;
	return c->done;
}

void coro__yield(void)
{
	struct coro *c = current;
	struct transfer t;

	switch_begin(&c->self_fake, c->back_bottom, c->back_size);
	t = jump_fcontext(c->back, NULL);
	switch_end(c->self_fake, &c->back_bottom, &c->back_size);
	c->back = t.fctx;
}

bool coro__is_inside(void)
{
	return current != NULL;
}
