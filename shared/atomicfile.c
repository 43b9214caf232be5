/* atomicfile.c - see atomicfile.h. */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

enum ct_err atomicfile_open(struct atomicfile *af, const char *path, mode_t mode,
                            struct ct_error *err)
{
    af->fd = -1;
    af->write_errno = 0;
    af->tmp[0] = '\0';
    int n = snprintf(af->path, sizeof(af->path), "%s", path);
    int m = snprintf(af->tmp, sizeof(af->tmp), "%s.%ld.tmp", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(af->path) || m < 0 || (size_t)m >= sizeof(af->tmp)) {
        af->tmp[0] = '\0';
        return ct_error_set(err, CT_ERR_INTERNAL, "path too long: %s", path);
    }
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    af->fd = open(af->tmp, flags, mode);
    if (af->fd < 0 && errno == EEXIST && unlink(af->tmp) == 0) {
        /* Left by a process of our pid that died before its commit. */
        af->fd = open(af->tmp, flags, mode);
    }
    if (af->fd < 0) {
        enum ct_err rc =
            ct_error_set(err, CT_ERR_INTERNAL, "cannot create %s: %s", af->tmp, strerror(errno));
        af->tmp[0] = '\0'; /* not ours: rollback must not remove it */
        return rc;
    }
    return CT_OK;
}

int atomicfile_append(struct atomicfile *af, const void *data, size_t len)
{
    const char *p = data;
    if (af->fd < 0 || af->write_errno != 0) {
        if (af->write_errno == 0) {
            af->write_errno = EBADF;
        }
        return -1;
    }
    while (len > 0) {
        ssize_t n = write(af->fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            af->write_errno = n < 0 ? errno : EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* fsync the directory that holds path, so that a rename or link in it survives a crash. */
static void sync_directory(const char *path)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");
    } else if (slash == dir) {
        dir[1] = '\0';
    } else {
        *slash = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        log_error("cannot fsync %s (after replacing %s): %s", dir, path, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
}

/* Everything before the rename: the written bytes on disk, the descriptor closed. */
static enum ct_err finish_writing(struct atomicfile *af, struct ct_error *err)
{
    int failed = af->write_errno;
    if (af->fd < 0) {
        failed = EBADF;
    } else {
        if (failed == 0 && fsync(af->fd) != 0) {
            failed = errno;
        }
        if (close(af->fd) != 0 && failed == 0) {
            failed = errno;
        }
        af->fd = -1;
    }
    if (failed != 0) {
        ct_error_set(err, CT_ERR_INTERNAL, "cannot write %s: %s",
                     af->tmp[0] != '\0' ? af->tmp : af->path, strerror(failed));
        atomicfile_rollback(af);
        return CT_ERR_INTERNAL;
    }
    return CT_OK;
}

enum ct_err atomicfile_commit(struct atomicfile *af, struct ct_error *err)
{
    if (finish_writing(af, err) != CT_OK) {
        return err->code;
    }
    if (rename(af->tmp, af->path) != 0) {
        enum ct_err rc =
            ct_error_set(err, CT_ERR_INTERNAL, "cannot replace %s: %s", af->path, strerror(errno));
        atomicfile_rollback(af);
        return rc;
    }
    af->tmp[0] = '\0';
    sync_directory(af->path);
    return CT_OK;
}

enum ct_err atomicfile_commit_new(struct atomicfile *af, struct ct_error *err)
{
    if (finish_writing(af, err) != CT_OK) {
        return err->code;
    }
    enum ct_err rc = CT_OK;
    if (link(af->tmp, af->path) != 0) {
        rc = ct_error_set(err, errno == EEXIST ? CT_ERR_NOT_ALLOWED : CT_ERR_INTERNAL,
                          "cannot create %s: %s", af->path, strerror(errno));
    }
    atomicfile_rollback(af); /* the temporary name goes either way */
    if (rc == CT_OK) {
        sync_directory(af->path);
    }
    return rc;
}

void atomicfile_rollback(struct atomicfile *af)
{
    if (af->fd >= 0) {
        close(af->fd);
        af->fd = -1;
    }
    if (af->tmp[0] != '\0') {
        unlink(af->tmp);
        af->tmp[0] = '\0';
    }
}

enum ct_err atomicfile_write(const char *path, const void *data, size_t len, mode_t mode,
                             struct ct_error *err)
{
    struct atomicfile af;
    enum ct_err rc = atomicfile_open(&af, path, mode, err);
    if (rc != CT_OK) {
        return rc;
    }
    atomicfile_append(&af, data, len); /* a failure is reported by the commit */
    return atomicfile_commit(&af, err);
}

enum ct_err atomicfile_write_new(const char *path, const void *data, size_t len, mode_t mode,
                                 struct ct_error *err)
{
    struct atomicfile af;
    enum ct_err rc = atomicfile_open(&af, path, mode, err);
    if (rc != CT_OK) {
        return rc;
    }
    atomicfile_append(&af, data, len);
    return atomicfile_commit_new(&af, err);
}
