/* backup.c - see backup.h. */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "atomicfile.h"
#include "audit.h"
#include "export-count.h"
#include "lockfile.h"
#include "log.h"
#include "units.h"

#define AUDIT_ACTOR_BACKUP "@backup"
#define BACKUP_KEEP_MAX 1000
#define BACKUP_SUFFIX ".tar.gz"

bool backup_keep_valid(const char *value)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(value, &end, 10);
    return errno == 0 && end != value && *end == '\0' && n >= 1 && n <= BACKUP_KEEP_MAX;
}

static int report(const char *name, const struct ct_error *err)
{
    char msg[CT_ERROR_DETAIL_MAX + 64];
    ct_error_format(err, msg, sizeof(msg));
    printf("backup %s: FAILED: %s\n", name, msg);
    log_error("backup: %s failed: %s", name, msg);
    return ct_err_exit(err->code != CT_OK ? err->code : CT_ERR_INTERNAL);
}

int backup_failed(const char *step, const char *subject, const struct ct_error *err)
{
    char what[128];
    snprintf(what, sizeof(what), "(%s %s)", step, subject);
    return report(what, err);
}

/* Where the bytes go: the partial file, counted and hashed as they are written. */
struct backup_file {
    int fd;
    bool created; /* this run made the partial file (only then does it remove it) */
    struct export_count count;
    int write_errno; /* 0 unless a write failed */
};

static bool on_bytes(void *p, const void *bytes, size_t len)
{
    struct backup_file *f = p;
    const char *at = bytes;
    if (!export_count_add(&f->count, bytes, len)) {
        return false;
    }
    while (len > 0) {
        ssize_t n = write(f->fd, at, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            f->write_errno = n < 0 ? errno : EIO;
            return false;
        }
        at += n;
        len -= (size_t)n;
    }
    return true;
}

/* The container's own directory under DIR, made when missing; -1 with err set. */
static int container_dir(int top, const char *name, struct ct_error *err)
{
    if (mkdirat(top, name, 0700) != 0 && errno != EEXIST) {
        ct_error_set(err, CT_ERR_INTERNAL, "cannot make its directory: %s", strerror(errno));
        return -1;
    }
    int fd = openat(top, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        ct_error_set(err, CT_ERR_INTERNAL, "cannot open its directory: %s", strerror(errno));
    }
    return fd;
}

static enum ct_err stream_to(struct agent_ctx *ctx, const char *name, int dir, const char *partial,
                             struct backup_file *f, struct ct_error *err)
{
    f->fd = openat(dir, partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (f->fd < 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot create %s: %s", partial,
                            strerror(errno));
    }
    f->created = true;
    struct backend_export ex = {.timeout_s = ctx->cfg->export.timeout_s, .write = on_bytes,
                                .ctx = f};
    enum ct_err rc = ctx->backend->export_backup(ctx->handle, name, &ex, err);
    if (f->count.too_large) {
        char max[32];
        units_format_size(f->count.max_bytes, max, sizeof(max));
        rc = ct_error_set(err, CT_ERR_QUOTA, "larger than export.max_size (%s)", max);
    } else if (f->write_errno != 0) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot write %s: %s", partial,
                          strerror(f->write_errno));
    }
    if (rc == CT_OK && fsync(f->fd) != 0) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot sync %s: %s", partial, strerror(errno));
    }
    close(f->fd);
    return rc;
}

/* One container's backup into its directory; the final name in file. */
static enum ct_err backup_one(struct agent_ctx *ctx, int top, const char *top_path,
                              const char *name, const char *stamp, char *file, size_t filelen,
                              struct backup_file *f, struct ct_error *err)
{
    char partial[CT_HOSTNAME_MAX * 2 + 96], sums[CT_HOSTNAME_MAX * 2 + 96];
    char line[EXPORT_SHA256_HEX + CT_HOSTNAME_MAX * 2 + 96], hex[EXPORT_SHA256_HEX];
    if (ctx->backend->export_backup == NULL) {
        return ct_error_set(err, CT_ERR_NOT_ALLOWED, "the %s backend cannot export",
                            ctx->backend->name);
    }
    int dir = container_dir(top, name, err);
    if (dir < 0) {
        return err->code;
    }
    snprintf(file, filelen, "%s-%s" BACKUP_SUFFIX, name, stamp);
    snprintf(partial, sizeof(partial), ".%s.partial", file);
    snprintf(sums, sizeof(sums), "%s.sha256", file);
    enum ct_err rc = stream_to(ctx, name, dir, partial, f, err);
    if (rc == CT_OK && renameat(dir, partial, dir, file) != 0) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot rename %s: %s", partial, strerror(errno));
    }
    if (rc != CT_OK) {
        if (f->created) {
            unlinkat(dir, partial, 0); /* a failure leaves no partial file */
        }
        close(dir);
        return rc;
    }
    export_count_sha256(&f->count, hex);
    snprintf(line, sizeof(line), "%s  %s\n", hex, file);
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", top_path, name, sums) >= sizeof(path)) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "%s/%s: path too long", top_path, name);
    } else {
        rc = atomicfile_write(path, line, strlen(line), 0600, err);
    }
    if (rc == CT_OK && fsync(dir) != 0) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot sync %s: %s", name, strerror(errno));
    }
    close(dir);
    return rc;
}

static int by_name_desc(const void *a, const void *b)
{
    return strcmp(*(char *const *)b, *(char *const *)a);
}

/* NAME-YYYYMMDDTHHMMSSZ.tar.gz exactly: a file of ours (another's is never touched). */
static bool is_backup_of(const char *file, const char *name)
{
    size_t prefix = strlen(name);
    const char *stamp = file + prefix + 1;
    if (strncmp(file, name, prefix) != 0 || file[prefix] != '-' ||
        strlen(stamp) != 16 + strlen(BACKUP_SUFFIX) || strcmp(stamp + 16, BACKUP_SUFFIX) != 0 ||
        stamp[8] != 'T' || stamp[15] != 'Z') {
        return false;
    }
    for (size_t i = 0; i < 15; i++) {
        if (i != 8 && (stamp[i] < '0' || stamp[i] > '9')) {
            return false;
        }
    }
    return true;
}

/* .NAME-….tar.gz.partial: what a killed run left (no run holds DIR's lock). */
static bool is_stale_partial(const char *file, const char *name)
{
    static const char tail[] = BACKUP_SUFFIX ".partial";
    size_t len = strlen(file), prefix = strlen(name);
    return len > prefix + 2 + strlen(tail) && file[0] == '.' &&
           strncmp(file + 1, name, prefix) == 0 && file[prefix + 1] == '-' &&
           strcmp(file + len - strlen(tail), tail) == 0;
}

/*
 * Keep the newest keep backups of name (their names sort by time), remove
 * the rest and their .sha256, and partial files a killed run left; returns
 * how many backups went.
 */
static size_t prune(int top, const char *name, int keep)
{
    int fd = openat(top, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    char **files = NULL;
    size_t n = 0, cap = 0, removed = 0;
    if (d == NULL) {
        if (fd >= 0) {
            close(fd);
        }
        return 0;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (is_stale_partial(e->d_name, name)) {
            unlinkat(dirfd(d), e->d_name, 0);
            continue;
        }
        if (!is_backup_of(e->d_name, name)) {
            continue;
        }
        if (n == cap) {
            size_t ncap = cap == 0 ? 16 : cap * 2;
            char **grown = realloc(files, ncap * sizeof(*files));
            if (grown == NULL) {
                break;
            }
            files = grown;
            cap = ncap;
        }
        if ((files[n] = strdup(e->d_name)) != NULL) {
            n++;
        }
    }
    qsort(files, n, sizeof(*files), by_name_desc);
    for (size_t i = 0; i < n; i++) {
        if (i >= (size_t)keep) {
            char sums[NAME_MAX + 8];
            snprintf(sums, sizeof(sums), "%s.sha256", files[i]);
            if (unlinkat(dirfd(d), files[i], 0) == 0) {
                removed++;
            }
            unlinkat(dirfd(d), sums, 0);
        }
        free(files[i]);
    }
    free(files);
    closedir(d);
    return removed;
}

static json_t *audit_params(const struct backend_instance *inst, const char *dir)
{
    return json_pack("{s:s, s:s, s:s}", "hostname", inst->name, "owner", inst->owner, "dir", dir);
}

static int backup_each(struct agent_ctx *ctx, int top, const char *dir, int keep,
                       const struct backend_instance *inst, const char *stamp)
{
    struct audit_who who = {AUDIT_ACTOR_BACKUP, "", ""};
    struct ct_error err = {0}, ignored = {0};
    struct backup_file f;
    char file[CT_HOSTNAME_MAX + 64];
    long long seq = 0;
    _Static_assert(sizeof(file) + 16 <= CT_HOSTNAME_MAX * 2 + 96, "room for the partial name");
    json_t *params = audit_params(inst, dir);
    if (params == NULL || audit_begin(ctx->cfg->state_dir, &who, "backup", params, &seq, &err) !=
                              CT_OK) {
        json_decref(params);
        ct_error_set(&err, CT_ERR_INTERNAL, "the audit trail cannot be written: not done");
        return report(inst->name, &err);
    }
    memset(&f, 0, sizeof(f));
    export_count_init(&f.count, ctx->cfg->export.max_bytes);
    enum ct_err rc = backup_one(ctx, top, dir, inst->name, stamp, file, sizeof(file), &f, &err);
    audit_finish(ctx->cfg->state_dir, seq, &who, "backup", params, rc, &err, NULL, &ignored);
    json_decref(params);
    if (rc != CT_OK) {
        return report(inst->name, &err);
    }
    char size[32];
    units_format_size(f.count.bytes, size, sizeof(size));
    size_t gone = prune(top, inst->name, keep);
    printf("backup %s: %s/%s/%s (%lld bytes)", inst->name, dir, inst->name, file, f.count.bytes);
    if (gone > 0) {
        printf(", %zu older removed (keep %d)", gone, keep);
    }
    printf("\n");
    log_info("backup: %s -> %s/%s/%s (%lld bytes, %zu older removed)", inst->name, dir,
             inst->name, file, f.count.bytes, gone);
    return 0;
}

static int by_instance_name(const void *a, const void *b)
{
    return strcmp(((const struct backend_instance *)a)->name,
                  ((const struct backend_instance *)b)->name);
}

/* DIR, made 0700 when missing; an fd on it, or -1 with err set. */
static int open_top(const char *dir, struct ct_error *err)
{
    if (dir[0] != '/') {
        ct_error_set(err, CT_ERR_BAD_REQUEST, "DIR must be an absolute path");
        return -1;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        ct_error_set(err, CT_ERR_INTERNAL, "cannot make %s: %s", dir, strerror(errno));
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        ct_error_set(err, CT_ERR_INTERNAL, "cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    /* Backups are every user's data: nobody else may write where they are kept. */
    if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
        ct_error_set(err, CT_ERR_CONFIG, "%s must be this account's own directory, writable by "
                     "nobody else (chown, chmod go-w)", dir);
        close(fd);
        return -1;
    }
    return fd;
}

int backup_run(struct admin_ctx *ctx)
{
    struct ct_error err = {0};
    const char *dir = ctx->operand;
    int keep = ctx->cfg.export.keep;
    if (ctx->values[0] == NULL) {
        fprintf(stderr, "ctgate-agent backup: --all is needed (a single container: the user's "
                        "export)\n");
        return ct_err_exit(CT_ERR_BAD_REQUEST);
    }
    if (ctx->values[1] != NULL) {
        keep = (int)strtol(ctx->values[1], NULL, 10); /* backup_keep_valid checked it */
    }
    int top = open_top(dir, &err);
    if (top < 0) {
        return report(dir, &err);
    }
    /* One run into DIR at a time: it may remove what a killed run left. */
    char lock_path[PATH_MAX];
    snprintf(lock_path, sizeof(lock_path), "%s/.lock", dir);
    int lock = lockfile_acquire(lock_path, 0, &err);
    if (lock < 0) {
        close(top);
        if (err.code == CT_ERR_TIMEOUT) {
            ct_error_set(&err, CT_ERR_RATE_LIMITED, "another backup into %s is running", dir);
        }
        return report(dir, &err);
    }
    struct backend_instance *all = NULL;
    size_t n = 0;
    if (ctx->agent.backend->list(ctx->agent.handle, &all, &n, &err) != CT_OK) {
        close(top);
        return report("(list)", &err);
    }
    qsort(all, n, sizeof(*all), by_instance_name);
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    int code = 0;
    for (size_t i = 0; i < n; i++) {
        if (all[i].pool[0] != '\0') {
            continue; /* a warm pool's: nobody's yet, nothing of anyone's in it (pool.h) */
        }
        int one = backup_each(&ctx->agent, top, dir, keep, &all[i], stamp);
        code = one != 0 ? one : code;
    }
    if (n == 0) {
        printf("backup: no containers\n");
    }
    free(all);
    close(lock);
    close(top);
    return code;
}
