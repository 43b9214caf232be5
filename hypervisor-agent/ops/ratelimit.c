/* ratelimit.c - see ratelimit.h. */
#include "ratelimit.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lockfile.h"
#include "timefmt.h"
#include "timelog.h"

#define FILE_MAX ((size_t)RATELIMIT_PER_HOUR_MAX * TIMELOG_LINE_MAX)
#define LOCK_WAIT_MS 15000

enum ct_err ratelimit_take(const char *state_dir, const char *uid, int per_hour, time_t now,
                           struct ct_error *err)
{
    return ratelimit_take_what(state_dir, "create", uid, per_hour, now, err);
}

enum ct_err ratelimit_take_what(const char *state_dir, const char *what, const char *uid,
                                int per_hour, time_t now, struct ct_error *err)
{
    char path[PATH_MAX];
    if (per_hour <= 0) {
        return CT_OK;
    }
    snprintf(path, sizeof(path), "%s/rate", state_dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot create %s: %s", path, strerror(errno));
    }
    /* uid passed validate_uid: no '/' and no dots only */
    if (strcmp(what, "create") == 0) {
        snprintf(path, sizeof(path), "%s/rate/%s", state_dir, uid);
    } else {
        snprintf(path, sizeof(path), "%s/rate/%s.%s", state_dir, what, uid);
    }
    int fd = lockfile_acquire(path, LOCK_WAIT_MS, err);
    if (fd < 0) {
        return err->code;
    }
    char *text = malloc(FILE_MAX + 1);
    long long *kept = calloc((size_t)per_hour + 1, sizeof(*kept));
    enum ct_err rc = CT_OK;
    ssize_t got = text != NULL ? pread(fd, text, FILE_MAX, 0) : -1;
    if (kept == NULL || got < 0) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot read %s", path);
        goto out;
    }
    text[got] = '\0';
    size_t n = timelog_parse(text, now, RATELIMIT_WINDOW_S, kept, (size_t)per_hour);
    if (n >= (size_t)per_hour) {
        char next[32];
        timefmt_rfc3339((time_t)kept[0] + RATELIMIT_WINDOW_S, next, sizeof(next));
        rc = ct_error_set(err, CT_ERR_RATE_LIMITED,
                          "you started %zu %ss in the last hour, the most allowed is %d; "
                          "the next is possible at %s",
                          n, what, per_hour, next);
        goto out;
    }
    kept[n++] = (long long)now;
    if (!timelog_write(fd, kept, n)) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot record the %s's time", what);
    }
out:
    free(kept);
    free(text);
    close(fd);
    return rc;
}
