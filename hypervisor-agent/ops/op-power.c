/*
 * op-power.c - "start", "stop" and "restart" of an own container.  Asking
 * for the state it is already in is success, so scripts may repeat them;
 * restarting a stopped container starts it.  A started container is waited
 * for until it has an address, and republished if that address changed.
 */
#include <string.h>

#include "ops.h"
#include "publish.h"
#include "registry.h"
#include "steps.h"

struct power_ctx {
    struct agent_ctx *agent;
    const struct request *req;
    const struct backend_instance *inst;
    const char *action;
    char ipv4[48];
};

static enum ct_err step_power(void *p, struct ct_error *err)
{
    struct power_ctx *w = p;
    return w->agent->backend->set_state(w->agent->handle, w->req->hostname, w->action, err);
}

static enum ct_err step_network(void *p, struct ct_error *err)
{
    struct power_ctx *w = p;
    return w->agent->backend->wait_ipv4(w->agent->handle, w->req->hostname,
                                        w->agent->cfg->ipv4_timeout_s, w->ipv4, sizeof(w->ipv4),
                                        err);
}

/* A container that came back with another address is published at the new one. */
static enum ct_err step_publish(void *p, struct ct_error *err)
{
    struct power_ctx *w = p;
    const struct agent_config *cfg = w->agent->cfg;
    struct registry_entry entry;
    bool found = false;
    if (!cfg->publish.enabled) {
        return CT_OK;
    }
    enum ct_err rc = registry_lookup(cfg->state_dir, w->req->hostname, &entry, &found, err);
    if (rc == CT_OK && found && entry.ipv4[0] != '\0' && strcmp(entry.ipv4, w->ipv4) != 0) {
        rc = registry_set_address(cfg->state_dir, w->req->hostname, w->inst->request_id, w->ipv4,
                                  entry.http_port, err);
        if (rc == CT_OK) {
            rc = publish_apply(cfg, err);
        }
    }
    return rc;
}

enum ct_err op_power(struct agent_ctx *ctx, const struct request *req, json_t **data,
                     struct ct_error *err)
{
    struct backend_instance inst;
    struct power_ctx w = {ctx, req, &inst, request_op_name(req->op), ""};
    enum ct_err rc = ops_get_own(ctx, req, &inst, err);
    if (rc != CT_OK) {
        return rc;
    }
    bool stopped = strcmp(inst.state, "Stopped") == 0;
    if (req->op == OP_RESTART && stopped) {
        w.action = "start";
    }
    bool already = (req->op == OP_START && !stopped) || (req->op == OP_STOP && stopped);
    if (!already) {
        /* Steps as for create: progress and fault injection; a started one waits for its address. */
        const struct step steps[] = {
            {w.action, step_power, NULL},
            {"network", step_network, NULL},
            {"publish", step_publish, NULL},
        };
        size_t nsteps = req->op == OP_STOP ? 1 : sizeof(steps) / sizeof(steps[0]);
        if ((rc = ops_run_steps(ctx, steps, nsteps, &w, err)) != CT_OK) {
            return rc;
        }
        if ((rc = ops_get_own(ctx, req, &inst, err)) != CT_OK) {
            return rc;
        }
    }
    *data = ops_instance_json(&inst);
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}
