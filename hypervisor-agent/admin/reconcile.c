/* reconcile.c - see reconcile.h. */
#include "reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "agent-config.h"
#include "backend.h"
#include "log.h"
#include "publish.h"
#include "recover.h"
#include "registry.h"
#include "timefmt.h"

/* Does an entry of reg hold the instance called name (as its name, or claimed from the pool)? */
static bool held(const struct registry_snapshot *reg, const char *name)
{
    if (registry_snapshot_find(reg, name) != NULL) {
        return true;
    }
    for (size_t i = 0; i < reg->n; i++) {
        if (strcmp(reg->entries[i].instance, name) == 0) {
            return true; /* claimed after the backend's list was made */
        }
    }
    return false;
}

static bool has_instance(const struct backend_instance *all, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

/* Seconds since an RFC 3339 UTC time ("2026-11-23T12:44:53Z"); huge when unreadable. */
static long age_of(const char *when)
{
    time_t t;
    if (!timefmt_parse(when, &t)) {
        return 1L << 30;
    }
    return (long)difftime(time(NULL), t);
}

static int fail(const struct ct_error *err)
{
    char msg[CT_ERROR_DETAIL_MAX + 64];
    ct_error_format(err, msg, sizeof(msg));
    fprintf(stderr, "ctgate-agent reconcile: %s\n", msg);
    return ct_err_exit(err->code);
}

int reconcile_failed(const char *step, const char *subject, const struct ct_error *err)
{
    (void)step;
    (void)subject;
    return fail(err);
}

int reconcile_run(struct admin_ctx *admin)
{
    const struct agent_config *cfg = &admin->cfg;
    struct ct_error err = {0};
    const struct backend_ops *backend = admin->agent.backend;
    void *handle = admin->agent.handle;
    bool fix = admin_opt(admin, "fix") != NULL;
    struct backend_instance *all = NULL;
    size_t n = 0;
    struct registry_snapshot reg = {NULL, 0};
    int drift = 0;
    int fixed = 0;
    int code = 0;

    if (backend->list(handle, &all, &n, &err) != CT_OK ||
        registry_snapshot_load(cfg->state_dir, &reg, &err) != CT_OK) {
        code = fail(&err);
        goto out;
    }
    for (size_t k = 0; k < reg.n; k++) {
        const struct registry_entry *entry = &reg.entries[k];
        const char *name = entry->hostname;
        const char *rid = entry->request_id[0] != '\0' ? entry->request_id : NULL;
        if (entry->pending != REGISTRY_SETTLED) {
            const char *op = registry_pending_name(entry->pending);
            if (!registry_entry_abandoned(entry)) {
                continue; /* a create or delete is running right now */
            }
            drift++;
            printf("%s of %s (request %s) was interrupted", op != NULL ? op : "an operation",
                   name, rid != NULL ? rid : "?");
            if (fix) {
                struct ct_error e = {0};
                if (rid != NULL &&
                    recover_abandoned(cfg, backend, handle, name, rid, &e) == CT_OK) {
                    fixed++;
                    printf(": rolled back, nothing of it is left");
                } else {
                    printf(": NOT recovered (%s)", e.detail);
                }
            }
            printf("\n");
            continue;
        }
        if (has_instance(all, n, name)) {
            continue;
        }
        bool published = entry->ipv4[0] != '\0';
        long age = age_of(entry->reserved);
        drift++;
        printf("reservation %s has no container (%s, reserved %lds ago)", name,
               published ? "published" : "never published", age);
        if (fix) {
            struct ct_error e = {0};
            if (rid != NULL && registry_release(cfg->state_dir, name, rid, &e) == CT_OK) {
                fixed++;
                printf(": released");
                log_warn("reconcile: released %s (no container)", name);
            } else {
                printf(": NOT released");
            }
        }
        printf("\n");
    }
    for (size_t i = 0; i < n; i++) {
        if (all[i].managed && all[i].pool[0] != '\0' && !held(&reg, all[i].name)) {
            /* A pooled container nobody holds was never anyone's: nothing to keep. */
            drift++;
            printf("pooled container %s (%s) has no reservation", all[i].name, all[i].pool);
            if (fix) {
                struct ct_error e = {0};
                if (backend->destroy(handle, all[i].name, &e) == CT_OK) {
                    fixed++;
                    printf(": removed");
                    log_warn("reconcile: removed pooled %s (no reservation)", all[i].name);
                } else {
                    printf(": NOT removed (%s)", e.detail);
                }
            }
            printf("\n");
        } else if (all[i].managed && !held(&reg, all[i].name)) {
            drift++;
            printf("container %s (owner %s) has no reservation: left alone, delete or re-register "
                   "it by hand\n",
                   all[i].name, all[i].owner);
        }
    }
    bool in_sync = true;
    if (publish_in_sync(cfg, &in_sync, &err) != CT_OK) {
        code = fail(&err);
        goto out;
    }
    if (!in_sync || (fix && fixed > 0)) {
        if (!in_sync) {
            drift++;
            printf("nginx files differ from the registry");
        }
        if (fix) {
            if (publish_apply(cfg, &err) != CT_OK) {
                printf(in_sync ? "" : "\n");
                code = fail(&err);
                goto out;
            }
            if (!in_sync) {
                fixed++;
                printf(": regenerated");
            }
        }
        if (!in_sync) {
            printf("\n");
        }
    }
    printf("reconcile: %d difference%s found, %d fixed\n", drift, drift == 1 ? "" : "s", fixed);
    code = drift > fixed ? CT_EXIT_CONFLICT : 0;
out:
    registry_snapshot_free(&reg);
    free(all);
    return code;
}
