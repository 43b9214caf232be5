/*
 * fault.h - fault injection for tests.
 *
 * Compiled in only when CTGATE_FAULT_INJECTION is defined (make
 * FAULT_INJECTION=1, which `make check` uses).  Then, when the file
 * STATE_DIR/fault-inject exists, its first word names a step after which
 * the agent reports a failure, so tests can prove the rollback.  In release
 * builds fault_step() is a constant NULL and nothing is read.
 */
#ifndef CTGATE_FAULT_H
#define CTGATE_FAULT_H

#include <stddef.h>

#ifdef CTGATE_FAULT_INJECTION
/* The step name into buf, or NULL when no fault is armed. */
const char *fault_step(const char *state_dir, char *buf, size_t len);
#else
static inline const char *fault_step(const char *state_dir, char *buf, size_t len)
{
    (void)state_dir;
    (void)buf;
    (void)len;
    return NULL;
}
#endif

#endif
