/*
 * progress.h - the agent's progress lines, shown as they arrive.
 *
 * On a terminal: one line per step, a spinner and the elapsed time while it
 * runs, then its outcome and duration.  Without a terminal: one plain line
 * per finished step.  With --json: nothing (stdout holds one document).
 * Plug into agent-link with progress_events().
 */
#ifndef CTGATE_PROGRESS_H
#define CTGATE_PROGRESS_H

#include <stdbool.h>

#include "agent-link.h"

struct progress {
    bool tty;
    bool quiet;
    bool running;
    long started_ms;
    char step[32];
    unsigned spin;
};

void progress_init(struct progress *p, bool tty, bool quiet);
struct agent_events progress_events(struct progress *p);
/* Ends a spinner line that is still open (an error interrupted the run). */
void progress_end(struct progress *p);

#endif
