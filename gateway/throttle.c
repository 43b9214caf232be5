/* throttle.c - see throttle.h. */
#include "throttle.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "timelog.h"

#define FILE_MAX ((size_t)THROTTLE_FAILURES_MAX * TIMELOG_LINE_MAX)
#define LOCK_WAIT_MS 5000

enum action {
    ACTION_COUNT,  /* how many failures in the window; never creates the file */
    ACTION_RECORD, /* add one at now */
    ACTION_CLEAR,  /* forget them all */
};

void throttle_file_name(const char *kind, const char *name, char out[THROTTLE_HASH_HEX + 1])
{
    unsigned char hash[crypto_generichash_BYTES];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof(hash));
    crypto_generichash_update(&st, (const unsigned char *)kind, strlen(kind));
    crypto_generichash_update(&st, (const unsigned char *)":", 1);
    crypto_generichash_update(&st, (const unsigned char *)name, strlen(name));
    crypto_generichash_final(&st, hash, sizeof(hash));
    sodium_bin2hex(out, THROTTLE_HASH_HEX + 1, hash, sizeof(hash));
}

/* Open path (creating it only when create) and flock it; -1 with *absent when it is not there. */
static int open_locked(const char *path, bool create, bool *absent, struct ct_error *err)
{
    int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0);
    int fd = open(path, flags, 0600);
    *absent = false;
    if (fd < 0) {
        if (errno == ENOENT && !create) {
            *absent = true;
            return -1;
        }
        log_error("login throttle: cannot open %s: %s", path, strerror(errno));
        ct_error_set(err, CT_ERR_BACKEND, "the login throttle's state cannot be read");
        return -1;
    }
    long deadline = clock_now_ms() + LOCK_WAIT_MS;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if ((errno != EWOULDBLOCK && errno != EINTR) || clock_now_ms() > deadline) {
            log_error("login throttle: cannot lock %s: %s", path, strerror(errno));
            ct_error_set(err, CT_ERR_BACKEND, "the login throttle's state cannot be read");
            close(fd);
            return -1;
        }
        struct timespec pause = {0, 5L * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return fd;
}

/* One key's file: count, record or clear under its lock; *count after the action. */
static enum ct_err update(const struct throttle_policy *p, const char *kind, const char *name,
                          int limit, time_t now, enum action action, size_t *count,
                          struct ct_error *err)
{
    char hex[THROTTLE_HASH_HEX + 1];
    char path[PATH_MAX];
    char *text = NULL;
    long long *kept = NULL;
    bool absent = false;
    enum ct_err rc = CT_OK;
    size_t max = limit > 0 ? (size_t)limit : 1;

    *count = 0;
    throttle_file_name(kind, name, hex);
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", p->dir, hex) >= sizeof(path)) {
        return ct_error_set(err, CT_ERR_CONFIG, "throttle.dir is too long");
    }
    int fd = open_locked(path, action == ACTION_RECORD, &absent, err);
    if (fd < 0) {
        return absent ? CT_OK : err->code;
    }
    if (action == ACTION_CLEAR) {
        if (ftruncate(fd, 0) != 0) {
            log_error("login throttle: cannot clear %s: %s", path, strerror(errno));
            rc = ct_error_set(err, CT_ERR_BACKEND, "the login throttle's state cannot be written");
        }
        goto out;
    }
    text = malloc(FILE_MAX + 1);
    kept = calloc(max + 1, sizeof(*kept));
    ssize_t got = text != NULL ? pread(fd, text, FILE_MAX, 0) : -1;
    if (kept == NULL || got < 0) {
        rc = ct_error_set(err, CT_ERR_BACKEND, "the login throttle's state cannot be read");
        goto out;
    }
    text[got] = '\0';
    size_t n = timelog_parse(text, now, p->window_s, kept, max);
    if (action == ACTION_RECORD) {
        if (n == max) { /* keep the newest max: enough to know the limit is reached */
            memmove(kept, kept + 1, (max - 1) * sizeof(*kept));
            n--;
        }
        kept[n++] = (long long)now;
        if (!timelog_write(fd, kept, n)) {
            log_error("login throttle: cannot write %s", path);
            rc = ct_error_set(err, CT_ERR_BACKEND, "the login throttle's state cannot be written");
            goto out;
        }
    }
    *count = n;
out:
    free(kept);
    free(text);
    close(fd);
    return rc;
}

static bool given(const char *s)
{
    return s != NULL && s[0] != '\0';
}

enum ct_err throttle_blocked(const struct throttle_policy *p, const char *user,
                             const char *address, time_t now, bool *blocked, struct ct_error *err)
{
    size_t n = 0;
    enum ct_err rc = CT_OK;
    struct stat st;
    *blocked = false;
    if (p->dir[0] == '\0') {
        return CT_OK;
    }
    /* A missing directory would read as "no failures": refuse instead. */
    if (stat(p->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        log_error("login throttle: %s is not a directory", p->dir);
        return ct_error_set(err, CT_ERR_BACKEND, "the login throttle's state cannot be read");
    }
    if (given(user)) {
        rc = update(p, "user", user, p->user_failures, now, ACTION_COUNT, &n, err);
        if (rc != CT_OK) {
            return rc;
        }
        *blocked = n >= (size_t)p->user_failures;
    }
    if (!*blocked && given(address)) {
        rc = update(p, "addr", address, p->address_failures, now, ACTION_COUNT, &n, err);
        *blocked = rc == CT_OK && n >= (size_t)p->address_failures;
    }
    return rc;
}

enum ct_err throttle_failed(const struct throttle_policy *p, const char *user, const char *address,
                            time_t now, struct ct_error *err)
{
    size_t n = 0;
    enum ct_err rc = CT_OK;
    if (p->dir[0] == '\0') {
        return CT_OK;
    }
    if (given(user)) {
        rc = update(p, "user", user, p->user_failures, now, ACTION_RECORD, &n, err);
    }
    if (rc == CT_OK && given(address)) {
        rc = update(p, "addr", address, p->address_failures, now, ACTION_RECORD, &n, err);
    }
    return rc;
}

enum ct_err throttle_succeeded(const struct throttle_policy *p, const char *user,
                               struct ct_error *err)
{
    size_t n = 0;
    if (p->dir[0] == '\0' || !given(user)) {
        return CT_OK;
    }
    return update(p, "user", user, p->user_failures, 0, ACTION_CLEAR, &n, err);
}

void throttle_delay(const struct throttle_policy *p)
{
    struct timespec left = {.tv_sec = (time_t)p->delay_s};
    if (p->delay_s <= 0) {
        return;
    }
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}
