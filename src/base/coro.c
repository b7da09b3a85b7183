/*
 * base/coro.c - see coro.h. One coroutine runs at a time; `current` is it
 * (NULL: the main stack). Switches are context-switch pairs between the
 * resumer's saved context and the coroutine's.
 */
#include <stdlib.h>
#include <ucontext.h>

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

struct coro {
	ucontext_t ctx, back;
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

/*
 * swapcontext(), made of getcontext() and setcontext(): ASan's swapcontext
 * interceptor prints a warning on every process that uses it, and the stack
 * switches are told to ASan here anyway (switch_begin / switch_end).
 */
static void switch_context(ucontext_t *save, const ucontext_t *to)
{
	volatile bool resumed = false;

	getcontext(save);
	if (!resumed) {
		resumed = true;
		setcontext(to);
	}
}

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

/* (The locals that live across a context switch are volatile: it returns
 * twice, like setjmp.) */
static void trampoline(void)
{
	struct coro *volatile c = current;

	switch_end(NULL, &c->back_bottom, &c->back_size);
	c->fn(c->arg);
	c->done = true;
	switch_begin(NULL, c->back_bottom, c->back_size);	/* this stack is done */
	switch_context(&c->ctx, &c->back);
}

struct coro *coro__new(coro_fn fn, void *arg, size_t stack_bytes)
{
	struct coro *volatile c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->stack = malloc(stack_bytes);
	if (!c->stack || getcontext(&c->ctx)) {
		free(c->stack);
		free(c);
		return NULL;
	}
	c->fn = fn;
	c->arg = arg;
	c->stack_bytes = stack_bytes;
	c->ctx.uc_stack.ss_sp = c->stack;
	c->ctx.uc_stack.ss_size = stack_bytes;
	c->ctx.uc_link = NULL;
	makecontext(&c->ctx, trampoline, 0);
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
	struct coro *volatile prev = current;

	current = c;
	switch_begin(&c->resumer_fake, c->stack, c->stack_bytes);
	switch_context(&c->back, &c->ctx);
	switch_end(c->resumer_fake, NULL, NULL);
	current = prev;
	return c->done;
}

void coro__yield(void)
{
	struct coro *volatile c = current;

	switch_begin(&c->self_fake, c->back_bottom, c->back_size);
	switch_context(&c->ctx, &c->back);
	switch_end(c->self_fake, &c->back_bottom, &c->back_size);
}

bool coro__is_inside(void)
{
	return current != NULL;
}
