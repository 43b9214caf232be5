/*
 * agent-prefetch.h - open the agent link in the background while the
 * directory (LDAP) is being asked, so that the first agent call finds it
 * ready (docs/internals/agent-prefetch.md).
 *
 * agent_prefetch_start() runs agent_link_open() on a thread of its own; the
 * session decides when that is allowed (session.c: only for a caller whose
 * login key the directory lists, never on the password path).
 * agent_prefetch_take() waits for it and hands over exactly what
 * agent_link_open() would have given: the link, or its error (code, detail,
 * detail_public, note), after which the link is the caller's.
 * agent_prefetch_drop() waits for it and closes the link unused: no request
 * is ever sent on a dropped link.
 *
 * The wait is never longer than agent_link_open() itself takes: its SSH
 * connect, key exchange and authentication are bounded by
 * agent.connect_timeout.  Each thread is joined exactly once (by take or
 * drop); both are safe on a struct that was never started (zeroed), and
 * after either the struct is back to "not started".
 *
 * Thread-safety: the thread owns a job of its own (the link being opened and
 * its error), touches nothing else but cfg, which it only reads, and runs
 * with every signal blocked so signals keep reaching the main thread.  cfg
 * is borrowed: it must stay valid and unchanged until take or drop, and as
 * long as the link handed over lives (the link keeps pointing at it, as
 * agent_link_open's does).  start, take and drop are for one thread (the
 * main one), not to be called concurrently on the same struct.
 */
#ifndef CTGATE_AGENT_PREFETCH_H
#define CTGATE_AGENT_PREFETCH_H

#include <pthread.h>
#include <stdbool.h>

#include "agent-link.h"
#include "error.h"
#include "gw-config.h"

struct agent_prefetch_job; /* opaque: the thread's own */

/* Zeroed: not started. */
struct agent_prefetch {
    bool started; /* a thread runs (or ran) and is not joined yet */
    pthread_t thread;
    struct agent_prefetch_job *job;
};

/*
 * Start opening the agent link in the background.  Returns false (and pf
 * stays not started) when it is already started or no thread could be
 * made; take then opens the link itself, as before.
 */
bool agent_prefetch_start(const struct gw_config *cfg, struct agent_prefetch *pf);
/* Whether a background open is started and not yet taken or dropped. */
bool agent_prefetch_started(const struct agent_prefetch *pf);
/*
 * The agent link, as agent_link_open(cfg, link, err) answers it: the
 * background open's result (waited for), or, when none was started, an open
 * made now with cfg.  On CT_OK *link is the caller's (agent_link_close);
 * otherwise *link is untouched and err holds agent_link_open's error.
 */
enum ct_err agent_prefetch_take(struct agent_prefetch *pf, const struct gw_config *cfg,
                                struct agent_link **link, struct ct_error *err);
/* Wait for a started open and close its link unused; nothing when not started. */
void agent_prefetch_drop(struct agent_prefetch *pf);

#endif
