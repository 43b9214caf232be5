/*
 * lockfile.h - an exclusive flock() on a file, waited for at most a while.
 *
 * lockfile_acquire() opens (creating, mode 0600, never through a symlink)
 * path and takes LOCK_EX, retrying every 5 ms for at most wait_ms; it
 * returns the descriptor (close it to unlock) or -1 with err set
 * (CT_ERR_TIMEOUT when the wait ran out).
 */
#ifndef CTGATE_LOCKFILE_H
#define CTGATE_LOCKFILE_H

#include "error.h"

int lockfile_acquire(const char *path, long wait_ms, struct ct_error *err);

#endif
