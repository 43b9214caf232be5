/* pool.c - see pool.h. */
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "lockfile.h"
#include "log.h"
#include "policy.h"
#include "procid.h"
#include "registry.h"
#include "timefmt.h"

extern char **environ;

/* A fill waits this long for another fill to finish (each makes at most a pool's worth). */
#define POOL_LOCK_WAIT_MS (10L * 60 * 1000)

bool pool_name(const char *hostname)
{
    return strncmp(hostname, POOL_PREFIX, strlen(POOL_PREFIX)) == 0;
}

/* Undo what pool_add made of name: its instance (when made), then its entry. */
static void pool_discard(struct agent_ctx *a, const char *name, const char *request_id,
                         bool instance)
{
    struct ct_error why = {0};
    if (instance && a->backend->destroy(a->handle, name, &why) != CT_OK) {
        /* The entry stays pending under a dead worker once we exit: reconcile --fix ends it. */
        log_error("pool: %s could not be removed (%s); left to reconcile", name, why.detail);
        return;
    }
    registry_release(a->cfg->state_dir, name, request_id, &why);
}

/*
 * One more pooled container of t: reserved (pending), made with t's default
 * size, started, its address known; then settled, and only then claimable.
 */
static enum ct_err pool_add(struct agent_ctx *a, const struct template_def *t, char *name,
                            size_t name_len, struct ct_error *err)
{
    const struct agent_config *cfg = a->cfg;
    unsigned char rnd[16];
    char hex[33];
    char request_id[33];
    char created[32];
    struct size_spec none = {0};
    struct size_spec limits;
    struct procid self;
    long long ctid = 0;
    bool nothing_made = false;

    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    snprintf(name, name_len, "%s%.8s", POOL_PREFIX, hex);
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(request_id, sizeof(request_id), rnd, sizeof(rnd));
    timefmt_rfc3339(time(NULL), created, sizeof(created));
    enum ct_err rc = policy_resolve_size(&cfg->policy, t, NULL, &none, &limits, err);
    if (rc != CT_OK) {
        return rc;
    }
    bool can_disk = true;
    if (limits.disk_bytes != 0 &&
        (rc = backend_can(a->backend, a->handle, BACKEND_CAN_LIMIT_DISK, &can_disk, err)) != CT_OK) {
        return rc;
    }
    if (!can_disk) {
        limits.disk_bytes = 0;
    }
    if (!procid_self(&self)) { /* without it the entry would be claimable before it is made */
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot identify this process");
    }
    struct reserve_claim claim = {
        .ctid_min = cfg->ctid_min,
        .ctid_max = cfg->ctid_max,
        .addr_min = cfg->addr_min,
        .addr_max = cfg->addr_max,
        .worker = &self,
        .pool_of = t->name,
    };
    if ((rc = registry_reserve(cfg->state_dir, name, "", request_id, created, &claim, err)) !=
        CT_OK) {
        return rc;
    }
    ctid = claim.ctid;
    struct backend_create args = {
        .name = name,
        .tmpl = t,
        .owner = NULL,
        .request_id = request_id,
        .created = created,
        .limits = &limits,
        .ctid = claim.ctid,
        .ctid_out = &ctid,
        .address = claim.address,
        .nothing_made = &nothing_made,
    };
    rc = a->backend->create(a->handle, &args, err);
    if (rc == CT_OK && ctid != claim.ctid) {
        rc = registry_set_ctid(cfg->state_dir, name, request_id, ctid, err);
    }
    if (rc == CT_OK) {
        rc = a->backend->set_state(a->handle, name, "start", err);
    }
    if (rc == CT_OK) {
        char ipv4[48];
        rc = a->backend->wait_ipv4(a->handle, name, cfg->ipv4_timeout_s, ipv4, sizeof(ipv4), err);
    }
    if (rc == CT_OK) {
        rc = registry_settle(cfg->state_dir, name, request_id, err);
    }
    if (rc != CT_OK) {
        pool_discard(a, name, request_id, !nothing_made);
    }
    return rc;
}

/*
 * Is the pooled container name of no use any more: gone from the backend
 * (removed behind ctgate's back; a claim of it would fail the create), or
 * made from another image than t's names now (the template was rebuilt)?
 * Unknown is neither.
 */
static bool stale(struct agent_ctx *a, const struct template_def *t, const char *name)
{
    struct backend_image now = {0};
    struct backend_instance inst = {0};
    struct ct_error ignored = {0};
    enum ct_err rc = a->backend->get(a->handle, name, &inst, &ignored);
    if (rc == CT_ERR_NOT_FOUND) {
        return true;
    }
    if (rc != CT_OK || a->backend->image_info == NULL ||
        a->backend->image_info(a->handle, t->image, &now, &ignored) != CT_OK) {
        return false;
    }
    return now.fingerprint[0] != '\0' && inst.image[0] != '\0' &&
           strcmp(now.fingerprint, inst.image) != 0;
}

/*
 * Remove pooled containers beyond their template's pool size (a pool made
 * smaller, or taken out of agent.conf).  Each is marked deleting first, so
 * no create can claim it while it goes.
 */
static enum ct_err pool_trim(struct agent_ctx *a, pool_say_fn say, void *say_ctx,
                             struct ct_error *err)
{
    struct registry_snapshot reg = {NULL, 0};
    struct procid self;
    enum ct_err first = CT_OK;
    enum ct_err rc = registry_snapshot_load(a->cfg->state_dir, &reg, err);
    if (rc != CT_OK || !procid_self(&self)) {
        registry_snapshot_free(&reg);
        return rc != CT_OK ? rc : ct_error_set(err, CT_ERR_INTERNAL, "cannot identify myself");
    }
    int *kept = calloc(a->cfg->ntemplates + 1, sizeof(*kept));
    if (kept == NULL) {
        registry_snapshot_free(&reg);
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < reg.n; i++) {
        const struct registry_entry *e = &reg.entries[i];
        if (e->pool[0] == '\0' || e->owner[0] != '\0') {
            continue;
        }
        const struct template_def *t = agent_config_template(a->cfg, e->pool);
        size_t k = t != NULL ? (size_t)(t - a->cfg->templates) : a->cfg->ntemplates;
        if (t != NULL && e->pending == REGISTRY_SETTLED && stale(a, t, e->hostname)) {
            t = NULL; /* made from an image the template no longer names: it goes */
        }
        if (t != NULL && (e->pending != REGISTRY_SETTLED || kept[k] < t->pool)) {
            kept[k]++; /* a fill still making it counts as kept */
            continue;
        }
        if (e->pending != REGISTRY_SETTLED) {
            continue; /* its maker (or reconcile) ends it */
        }
        struct ct_error why = {0};
        long start = clock_now_ms();
        rc = registry_pool_withdraw(a->cfg->state_dir, e->hostname, &self, &why);
        if (rc == CT_ERR_NOT_FOUND) {
            continue; /* claimed since the snapshot: a user's now */
        }
        if (rc == CT_OK && (rc = a->backend->destroy(a->handle, e->hostname, &why)) == CT_OK) {
            rc = registry_release(a->cfg->state_dir, e->hostname, e->request_id, &why);
        }
        if (say != NULL) {
            say(say_ctx, e->pool, e->hostname, rc == CT_OK, rc == CT_OK ? "removed" : why.detail,
                clock_now_ms() - start);
        }
        if (rc != CT_OK && first == CT_OK) {
            *err = why;
            first = rc;
        }
    }
    free(kept);
    registry_snapshot_free(&reg);
    return first;
}

enum ct_err pool_fill(struct agent_ctx *a, bool wait, pool_say_fn say, void *say_ctx,
                      struct ct_error *err)
{
    char path[PATH_MAX + 16];
    enum ct_err first = CT_OK;
    snprintf(path, sizeof(path), "%s/pool.lock", a->cfg->state_dir);
    int lock = lockfile_acquire(path, wait ? POOL_LOCK_WAIT_MS : 0, err);
    if (lock < 0) {
        if (!wait && err->code == CT_ERR_TIMEOUT) {
            *err = (struct ct_error){0};
            return CT_OK; /* a fill is running: it counts again before each container it makes */
        }
        return err->code;
    }
    first = pool_trim(a, say, say_ctx, err);
    for (size_t i = 0; i < a->cfg->ntemplates; i++) {
        const struct template_def *t = &a->cfg->templates[i];
        for (int made = 0; t->pool > 0 && made < POOL_SIZE_MAX; made++) {
            int have = 0;
            struct ct_error why = {0};
            char name[CT_HOSTNAME_MAX + 1] = "";
            enum ct_err rc = registry_pool_count(a->cfg->state_dir, t->name, &have, &why);
            if (rc == CT_OK && have >= t->pool) {
                break;
            }
            long start = clock_now_ms();
            if (rc == CT_OK) {
                rc = pool_add(a, t, name, sizeof(name), &why);
            }
            if (say != NULL) {
                say(say_ctx, t->name, name, rc == CT_OK, why.detail, clock_now_ms() - start);
            }
            if (rc != CT_OK) {
                log_error("pool: a container of %s could not be made: %s", t->name, why.detail);
                if (first == CT_OK) {
                    *err = why;
                    first = rc;
                }
                break; /* the next fill tries again */
            }
            log_info("pool: %s ready (%s)", name, t->name);
        }
    }
    close(lock);
    return first;
}

bool pool_fits(const struct agent_ctx *a, const struct template_def *t,
               const struct size_spec *limits)
{
    struct size_spec none = {0};
    struct size_spec pooled;
    struct ct_error ignored = {0};
    if (policy_resolve_size(&a->cfg->policy, t, NULL, &none, &pooled, &ignored) != CT_OK) {
        return false;
    }
    return limits->disk_bytes == 0 || pooled.disk_bytes == 0 ||
           limits->disk_bytes >= pooled.disk_bytes;
}

void pool_fill_later(const struct agent_ctx *a)
{
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (len <= 0 || a->config_path == NULL) {
        log_error("pool: cannot start a fill: %s",
                  len <= 0 ? strerror(errno) : "no configuration path");
        return;
    }
    self[len] = '\0';
    char *const argv[] = {"ctgate-agent", "--config", (char *)a->config_path, "pool", "fill",
                          "--if-idle", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    pid_t pid;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    /* Nothing of ours: sshd ends the session when our end of its pipes is closed. */
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID); /* no SIGHUP when the session ends */
    int rc = posix_spawn(&pid, self, &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        log_error("pool: cannot start a fill: %s", strerror(rc));
    }
}
