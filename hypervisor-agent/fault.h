/*
 * fault.h - fault injection for tests.
 *
 * Compiled in only when CTGATE_FAULT_INJECTION is defined (make
 * FAULT_INJECTION=1, which `make check` and the unit tests use).  Then,
 * when the file STATE_DIR/fault-inject exists, its first word is the armed
 * fault (agent_ctx.fail_after): a step after which the agent reports a
 * failure, "kill-STEP" (SIGKILL after STEP), or "nginx-broken" (create
 * publishes a file nginx rejects), so tests can prove the rollback.
 *
 * Release builds have none of it: this function, agent_ctx.fail_after,
 * step_runner.fail_after and publish_apply_broken() are declared only under
 * CTGATE_FAULT_INJECTION, so a hook left in release code does not compile.
 */
#ifndef CTGATE_FAULT_H
#define CTGATE_FAULT_H

#include <stddef.h>

#ifdef CTGATE_FAULT_INJECTION
/* The armed fault's word into buf, or NULL when none is armed. */
const char *fault_step(const char *state_dir, char *buf, size_t len);
#endif

#endif
