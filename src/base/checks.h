/*
 * base/checks.h - tests only: the invariant checks the library's layers
 * make of their own state (perf_cpu__check after each change of host
 * perf, kvm_pmu__check at each VM-entry) for the CPUs and vCPUs made while
 * a test has them on. The first failure is kept as text; later ones are
 * not looked for. One switch for the whole process, like
 * hw_cpu__set_default_engine: not for runs on several threads.
 */
#ifndef VPMU__BASE_CHECKS_H
#define VPMU__BASE_CHECKS_H

#include <stdbool.h>

/* Turn the checks on or off for what is made from now on; forgets the
 * failure kept. */
void checks__set(bool on);
bool checks__are_on(void);
/* Keep this failure unless one is kept already. */
void checks__fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first failure since checks__set(), or NULL. */
const char *checks__failure(void);

#endif /* VPMU__BASE_CHECKS_H */
