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

#define LINE_MAX_LEN 21 /* a 64-bit number and its newline */
#define FILE_MAX ((size_t)RATELIMIT_PER_HOUR_MAX * LINE_MAX_LEN)
#define LOCK_WAIT_MS 15000

/* The times in text that fall in the hour before now, in order, into kept. */
static size_t recent(char *text, time_t now, long long *kept, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *end = NULL;
        errno = 0;
        long long t = strtoll(line, &end, 10);
        if (errno != 0 || end == line || *end != '\0' || t > (long long)now ||
            t <= (long long)now - RATELIMIT_WINDOW_S) {
            continue; /* older than the hour, from the future, or not a time */
        }
        if (n == max) { /* more than the limit: keep the newest */
            memmove(kept, kept + 1, (max - 1) * sizeof(*kept));
            n--;
        }
        kept[n++] = t;
    }
    return n;
}

static enum ct_err rewrite(int fd, const long long *kept, size_t n, struct ct_error *err)
{
    char *text = malloc(n * LINE_MAX_LEN + 1);
    size_t len = 0;
    if (text == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(text + len, LINE_MAX_LEN + 1, "%lld\n", kept[i]);
    }
    bool ok = ftruncate(fd, 0) == 0 && pwrite(fd, text, len, 0) == (ssize_t)len;
    free(text);
    return ok ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "cannot record the create's time");
}

enum ct_err ratelimit_take(const char *state_dir, const char *uid, int per_hour, time_t now,
                           struct ct_error *err)
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
    snprintf(path, sizeof(path), "%s/rate/%s", state_dir, uid);
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
    size_t n = recent(text, now, kept, (size_t)per_hour);
    if (n >= (size_t)per_hour) {
        char next[32];
        timefmt_rfc3339((time_t)kept[0] + RATELIMIT_WINDOW_S, next, sizeof(next));
        rc = ct_error_set(err, CT_ERR_RATE_LIMITED,
                          "you started %zu creates in the last hour, the most allowed is %d; "
                          "the next is possible at %s",
                          n, per_hour, next);
        goto out;
    }
    kept[n++] = (long long)now;
    rc = rewrite(fd, kept, n, err);
out:
    free(kept);
    free(text);
    close(fd);
    return rc;
}
