/*
 * op-power.c - "start", "stop" and "restart" of an own container.  Asking
 * for the state it is already in is success, so scripts may repeat them;
 * restarting a stopped container starts it.  A stop withdraws the
 * container's published address first (a freed lease may go to another
 * container).  A started container is waited for until it holds the
 * address LXD's DHCP handed to it (addr-policy.h), then published there;
 * an address that is refused leaves it running but unpublished, with the
 * reason in the error.  An expired container is not started again (by
 * anyone, admins too): the reaper stopped it and deletes it after the grace.
 * restore NAME SNAP is the same walk: a running container is unpublished and
 * stopped, rolled back to the snapshot, started again and published at the
 * address it then holds; a stopped one is only rolled back.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr-policy.h"
#include "log.h"
#include "ops.h"
#include "publish.h"
#include "registry.h"
#include "steps.h"
#include "strcopy.h"
#include "timefmt.h"

struct power_ctx {
    struct agent_ctx *agent;
    const struct request *req;
    const struct backend_instance *inst;
    const char *action;
    char ipv4[48];
    const char *snapshot; /* restore: the one rolled back to */
};

static enum ct_err step_power(void *p, struct ct_error *err)
{
    struct power_ctx *w = p;
    return w->agent->backend->set_state(w->agent->handle, w->req->hostname, w->action, err);
}

static enum ct_err step_unpublish(void *p, struct ct_error *err)
{
    struct power_ctx *w = p;
    return ops_unpublish(w->agent, w->req->hostname, err);
}

/* No address (or a refused one): whatever was published before is withdrawn. */
static enum ct_err step_network(void *p, struct ct_error *err)
{
    struct power_ctx *w = p;
    enum ct_err rc = w->agent->backend->wait_ipv4(w->agent->handle, w->req->hostname,
                                                  w->agent->cfg->ipv4_timeout_s, w->ipv4,
                                                  sizeof(w->ipv4), err);
    if (rc != CT_OK) {
        struct ct_error why = {0};
        log_warn("%s %s: %s; not published", w->action, w->req->hostname, err->detail);
        if (ops_unpublish(w->agent, w->req->hostname, &why) != CT_OK) {
            log_error("%s %s: cannot withdraw its address: %s", w->action, w->req->hostname,
                      why.detail);
        }
    }
    return rc;
}

/* Published (again) at the address it holds now, when it has a settled reservation. */
static enum ct_err step_publish(void *p, struct ct_error *err)
{
    struct power_ctx *w = p;
    const struct agent_config *cfg = w->agent->cfg;
    struct registry_entry entry;
    struct addr_subnet net;
    bool found = false;
    if (!cfg->publish.enabled) {
        return CT_OK;
    }
    enum ct_err rc = registry_lookup(cfg->state_dir, w->req->hostname, &entry, &found, err);
    if (rc != CT_OK || !found || entry.pending != REGISTRY_SETTLED ||
        strcmp(entry.request_id, w->inst->request_id) != 0 || strcmp(entry.ipv4, w->ipv4) == 0) {
        return rc;
    }
    enum addr_verdict v = addr_subnet_parse(cfg->publish.subnet, &net)
                              ? addr_policy_check(&net, w->ipv4)
                              : ADDR_OUTSIDE;
    if (v != ADDR_OK) {
        struct ct_error why = {0};
        ops_unpublish(w->agent, w->req->hostname, &why);
        return ct_error_set(err, CT_ERR_NOT_ALLOWED,
                            "the container's address %s %s (publish.subnet %s): it is not published",
                            w->ipv4, addr_policy_reason(v), cfg->publish.subnet);
    }
    int http_port = entry.http_port > 0 ? entry.http_port : cfg->publish.http_port;
    rc = registry_set_address(cfg->state_dir, w->req->hostname, entry.request_id, w->ipv4,
                              http_port, err);
    if (rc == CT_OK) {
        rc = publish_apply(cfg, err);
    }
    return rc;
}

/* start/restart of an expired container: CT_ERR_NOT_ALLOWED saying when it expired and goes. */
static enum ct_err refuse_expired(const struct agent_ctx *ctx, const struct backend_instance *inst,
                                  struct ct_error *err)
{
    time_t expires;
    if (!timefmt_parse(inst->expires, &expires) || time(NULL) < expires) {
        return CT_OK;
    }
    char deleted[32];
    timefmt_rfc3339(expires + (time_t)ctx->cfg->policy.expiry_grace_s, deleted, sizeof(deleted));
    return ct_error_set(err, CT_ERR_NOT_ALLOWED,
                        "%s expired at %s and cannot be started again; the reaper deletes it "
                        "after the grace period, at %s",
                        inst->name, inst->expires, deleted);
}

enum ct_err op_power(struct agent_ctx *ctx, const struct request *req, json_t **data,
                     struct ct_error *err)
{
    struct backend_instance inst;
    struct power_ctx w = {ctx, req, &inst, request_op_name(req->op), "", NULL};
    enum ct_err rc = ops_get_own(ctx, req, &inst, err);
    if (rc != CT_OK) {
        return rc;
    }
    if (req->op != OP_STOP && (rc = refuse_expired(ctx, &inst, err)) != CT_OK) {
        return rc;
    }
    bool stopped = strcmp(inst.state, "Stopped") == 0;
    if (req->op == OP_RESTART && stopped) {
        w.action = "start";
    }
    bool already = (req->op == OP_START && !stopped) || (req->op == OP_STOP && stopped);
    /* Steps as for create: progress and fault injection; a started one waits for its address. */
    const struct step stop_steps[] = {
        {"unpublish", step_unpublish, NULL, NULL},
        {w.action, step_power, NULL, NULL},
    };
    const struct step start_steps[] = {
        {w.action, step_power, NULL, NULL},
        {"network", step_network, NULL, NULL},
        {"publish", step_publish, NULL, NULL},
    };
    if (req->op == OP_STOP) {
        /* Even when it is stopped already (by LXD, or the reaper of an older version). */
        rc = ops_run_steps(ctx, stop_steps, already ? 1 : 2, &w, err);
    } else if (!already) {
        rc = ops_run_steps(ctx, start_steps, sizeof(start_steps) / sizeof(start_steps[0]), &w,
                           err);
    }
    if (rc != CT_OK) {
        return rc;
    }
    if (!already || req->op == OP_STOP) {
        if ((rc = ops_get_own(ctx, req, &inst, err)) != CT_OK) {
            return rc;
        }
        /*
         * A start answers with the address it checked and published: the
         * container may have added another since, and then holds none that
         * get() accepts (the published one still stands).
         */
        if (req->op != OP_STOP && w.ipv4[0] != '\0') {
            str_copy(inst.ipv4, sizeof(inst.ipv4), w.ipv4);
        }
    }
    *data = ops_instance_json(&inst);
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}

static enum ct_err step_halt(void *p, struct ct_error *err)
{
    struct power_ctx *w = p;
    return w->agent->backend->set_state(w->agent->handle, w->req->hostname, "stop", err);
}

/*
 * restore's stop undone: when the rollback (or what follows it) fails, the
 * container that ran is started again and published where it then is, so a
 * refused restore never leaves it down.
 */
static void undo_halt(void *p)
{
    struct power_ctx *w = p;
    struct ct_error why = {0};
    if (w->agent->backend->set_state(w->agent->handle, w->req->hostname, "start", &why) ==
            CT_OK &&
        step_network(w, &why) == CT_OK) {
        step_publish(w, &why);
    }
    if (why.code != CT_OK) {
        log_warn("restore %s: starting it again after the failure: %s", w->req->hostname,
                 why.detail);
    }
}

static enum ct_err step_rollback(void *p, struct ct_error *err)
{
    struct power_ctx *w = p;
    return w->agent->backend->snapshot_restore(w->agent->handle, w->req->hostname, w->snapshot,
                                               err);
}

static enum ct_err step_boot(void *p, struct ct_error *err)
{
    struct power_ctx *w = p;
    return w->agent->backend->set_state(w->agent->handle, w->req->hostname, "start", err);
}

/* Whether NAME has the snapshot (CT_ERR_NOT_FOUND, the user's to see, when not). */
static enum ct_err has_snapshot(struct agent_ctx *ctx, const char *name, const char *snap,
                                struct ct_error *err)
{
    struct backend_snapshot *snaps = NULL;
    size_t n = 0;
    enum ct_err rc = ctx->backend->snapshot_list(ctx->handle, name, &snaps, &n, err);
    bool found = false;
    for (size_t i = 0; rc == CT_OK && i < n; i++) {
        found = found || strcmp(snaps[i].name, snap) == 0;
    }
    free(snaps);
    if (rc == CT_OK && !found) {
        ct_error_set(err, CT_ERR_NOT_FOUND, "%s has no snapshot %s (snapshots %s lists them)", name,
                     snap, name);
        err->detail_public = true;
        return CT_ERR_NOT_FOUND;
    }
    return rc;
}

enum ct_err op_restore(struct agent_ctx *ctx, const struct request *req, json_t **data,
                       struct ct_error *err)
{
    struct backend_instance inst;
    struct power_ctx w = {ctx, req, &inst, "restore", "", req->snapshot};
    enum ct_err rc = ops_get_own(ctx, req, &inst, err);
    if (rc != CT_OK || (rc = has_snapshot(ctx, req->hostname, req->snapshot, err)) != CT_OK) {
        return rc;
    }
    bool stopped = strcmp(inst.state, "Stopped") == 0;
    if (!stopped && (rc = refuse_expired(ctx, &inst, err)) != CT_OK) {
        return rc; /* it would be started again after the rollback */
    }
    const struct step running_steps[] = {
        {"unpublish", step_unpublish, NULL, NULL}, {"stop", step_halt, undo_halt, NULL},
        {"restore", step_rollback, NULL, NULL},    {"start", step_boot, NULL, NULL},
        {"network", step_network, NULL, NULL},     {"publish", step_publish, NULL, NULL},
    };
    const struct step stopped_steps[] = {{"restore", step_rollback, NULL, NULL}};
    if (stopped) {
        rc = ops_run_steps(ctx, stopped_steps, 1, &w, err);
    } else {
        rc = ops_run_steps(ctx, running_steps, sizeof(running_steps) / sizeof(running_steps[0]),
                           &w, err);
    }
    if (rc != CT_OK || (rc = ops_get_own(ctx, req, &inst, err)) != CT_OK) {
        return rc;
    }
    if (w.ipv4[0] != '\0') {
        str_copy(inst.ipv4, sizeof(inst.ipv4), w.ipv4);
    }
    *data = ops_instance_json(&inst);
    if (*data != NULL) {
        json_object_set_new(*data, "snapshot", json_string(req->snapshot));
    }
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}
