/*
 * reconcile.h - `ctgate-agent reconcile [--fix]`: bring registry, backend and
 * nginx back into agreement after a crash or a change behind ctgate's back.
 *
 * Reports, one line each: a reservation whose container is gone (published
 * ones at once; unpublished ones only after RECONCILE_GRACE_S, since a create
 * may be running), a ctgate container without a reservation, and nginx files
 * that differ from what the registry renders.  With fix: releases those
 * reservations (only if still held by the same request) and regenerates
 * nginx.  Containers are never deleted by reconcile.  Safe to run any time;
 * meant for cron or a timer as well as by hand.  Returns the exit code: 0
 * in agreement (after fixing), 5 drift found and left.
 */
#ifndef CTGATE_RECONCILE_H
#define CTGATE_RECONCILE_H

#include <stdbool.h>

#define RECONCILE_GRACE_S 600

int reconcile_run(const char *config_path, bool fix);

#endif
