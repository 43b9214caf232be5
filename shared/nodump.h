/*
 * nodump.h - keep secrets out of core files and away from same-user readers.
 *
 * Both programs hold passwords, session keys and the audit signing key in
 * memory.  nodump_apply() sets RLIMIT_CORE to 0 (soft and hard, so nothing
 * it runs can raise it again) and marks the process not dumpable
 * (PR_SET_DUMPABLE 0): no core file, no ptrace attach and no /proc/PID/mem
 * or environ for other processes of the same account.  Call it first thing
 * in main(), before any secret is read.  Not undone by anything later.
 */
#ifndef CTGATE_NODUMP_H
#define CTGATE_NODUMP_H

/* 0 when both took effect; -1 (errno set) when one did not: then refuse to run. */
int nodump_apply(void);

#endif
