/*
 * atomicfile.h - the one way ctgate replaces a file (git's lockfile.h and
 * tempfile.c are the model).
 *
 * An update writes a temporary file next to the target (PATH.PID.tmp,
 * created O_EXCL and never through a symlink, with the given mode less the
 * umask), then commits it: fsync the temporary, close it, rename() it over
 * PATH (or link() it to PATH for atomicfile_commit_new), fsync the
 * directory.  So readers see either the old or the new content, never a
 * torn file, and once commit has returned CT_OK a crash or power cut keeps
 * the new content.  A crash before commit leaves PATH untouched and at
 * worst a stale PATH.PID.tmp, which nothing reads (the next writer with the
 * same pid removes it).
 *
 * This module takes no lock: two writers of one PATH must be serialised by
 * the caller (lockfile.h), or else the last rename wins.
 *
 * Ownership: struct atomicfile lives in the caller's memory and holds one
 * descriptor between open and commit/rollback.  After atomicfile_open()
 * (whatever it returned) exactly one of the commits or atomicfile_rollback()
 * must end it; atomicfile_rollback() is also safe after a commit and after
 * a failed open, so `out:` may always call it.  Neither function is
 * async-signal-safe; none keeps global state.
 */
#ifndef CTGATE_ATOMICFILE_H
#define CTGATE_ATOMICFILE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

struct atomicfile {
    int fd;          /* the temporary, -1 when none is open */
    int write_errno; /* of the first failed atomicfile_append(), 0 when none failed */
    char path[PATH_MAX];
    char tmp[PATH_MAX];
};

/*
 * Create the temporary for path (a stale one of this pid is replaced).
 * CT_ERR_INTERNAL with err set when path is too long or the temporary
 * cannot be created; path is not touched either way.
 */
enum ct_err atomicfile_open(struct atomicfile *af, const char *path, mode_t mode,
                            struct ct_error *err);
/*
 * Append len bytes to the temporary (all of them: short writes and EINTR
 * are retried).  0 on success, -1 on failure; a failure is remembered and
 * makes the commit fail, so a caller may append many pieces and check once.
 */
int atomicfile_append(struct atomicfile *af, const void *data, size_t len);
/*
 * Make the temporary the content of path, replacing what was there.
 * CT_OK once the rename is done (a failing directory fsync after it is only
 * logged: the new content is already what readers see).  On failure
 * (CT_ERR_INTERNAL: a write, the fsync, the close or the rename failed) the
 * temporary is removed and path keeps its old content.
 */
enum ct_err atomicfile_commit(struct atomicfile *af, struct ct_error *err);
/*
 * As atomicfile_commit(), but path is only created, never replaced: when it
 * exists already the temporary is removed, path keeps its content and
 * CT_ERR_NOT_ALLOWED is returned ("created once" files: the first writer
 * wins).
 */
enum ct_err atomicfile_commit_new(struct atomicfile *af, struct ct_error *err);
/* Abandon the update: close and remove the temporary; path is not touched. */
void atomicfile_rollback(struct atomicfile *af);
/* open + append + commit: replace path with data[0..len) atomically. */
enum ct_err atomicfile_write(const char *path, const void *data, size_t len, mode_t mode,
                             struct ct_error *err);
/* open + append + commit_new: create path with data[0..len), never replacing it. */
enum ct_err atomicfile_write_new(const char *path, const void *data, size_t len, mode_t mode,
                                 struct ct_error *err);

#endif
