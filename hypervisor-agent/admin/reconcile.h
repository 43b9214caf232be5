/*
 * reconcile.h - `ctgate-agent reconcile [--fix]`: bring registry, backend and
 * nginx back into agreement after a crash or a change behind ctgate's back.
 *
 * Reports, one line each: a create or delete whose process died between two
 * steps (recover.h; one still running is left alone), a settled reservation
 * whose container is gone, a ctgate container without a reservation, and
 * nginx files that differ from what the registry renders.  With fix: rolls
 * the interrupted operations back (their own instance, reservation, nginx
 * entries), releases those reservations (only if still held by the same
 * request) and regenerates nginx.  A container that belongs to no
 * interrupted operation is never deleted by reconcile.  Safe to run any time;
 * meant for cron or a timer as well as by hand.  Returns the exit code: 0
 * in agreement (after fixing), 5 drift found and left.
 */
#ifndef CTGATE_RECONCILE_H
#define CTGATE_RECONCILE_H

#include "error.h"

struct admin_ctx;

/* A row of the subcommand table (admin.h): config and backend are open. */
int reconcile_run(struct admin_ctx *ctx);
/* A failed startup step, on stderr ("ctgate-agent reconcile: ..."). */
int reconcile_failed(const char *step, const char *subject, const struct ct_error *err);

#endif
