/*
 * procid.h - a process named so that it cannot be confused with a later
 * one that got the same pid: pid plus its start time (field 22 of
 * /proc/PID/stat, clock ticks since boot) plus the boot id.  The registry
 * stores it with an operation in progress; whoever finds the entry later can
 * tell a running operation from one whose process died (crash, SIGKILL).
 */
#ifndef CTGATE_PROCID_H
#define CTGATE_PROCID_H

#include <stdbool.h>

#define PROCID_BOOT_LEN 36

struct procid {
    long pid;
    unsigned long long start;
    char boot[PROCID_BOOT_LEN + 1];
};

/* This process; false when /proc cannot be read. */
bool procid_self(struct procid *out);
/* Is that very process still running (same pid, same start, same boot)? */
bool procid_alive(const struct procid *id);

#endif
