/*
 * ops.h - the agent's operations, one file each (op-*.c), dispatched from
 * the table in agent.c.
 *
 * An operation gets the parsed request and an agent_ctx; it writes progress
 * lines itself and returns either CT_OK with *data set (a JSON value the
 * caller sends in the result and releases) or an error in err.  Ownership
 * is checked here, on the agent side, whatever the gateway already did.
 */
#ifndef CTGATE_OPS_H
#define CTGATE_OPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "agent-config.h"
#include "backend.h"
#include "request.h"
#include "steps.h"

struct agent_ctx {
    const struct agent_config *cfg;
    const char *config_path; /* where cfg was read (a background pool fill reads it again) */
    const struct backend_ops *backend;
    void *handle;
    FILE *out;    /* progress lines; NULL: none */
    json_t *steps; /* every step's outcome and duration, for the audit trail; NULL: not kept */
#ifdef CTGATE_FAULT_INJECTION
    const char *fail_after; /* the armed fault (fault.h), test builds only; NULL: none */
#endif
};

typedef enum ct_err (*op_fn)(struct agent_ctx *ctx, const struct request *req, json_t **data,
                             struct ct_error *err);

enum ct_err op_create(struct agent_ctx *ctx, const struct request *req, json_t **data,
                      struct ct_error *err);
enum ct_err op_list(struct agent_ctx *ctx, const struct request *req, json_t **data,
                    struct ct_error *err);
enum ct_err op_info(struct agent_ctx *ctx, const struct request *req, json_t **data,
                    struct ct_error *err);
enum ct_err op_delete(struct agent_ctx *ctx, const struct request *req, json_t **data,
                      struct ct_error *err);
enum ct_err op_check(struct agent_ctx *ctx, const struct request *req, json_t **data,
                     struct ct_error *err);
/* start, stop and restart (op-power.c). */
enum ct_err op_power(struct agent_ctx *ctx, const struct request *req, json_t **data,
                     struct ct_error *err);
/* restore NAME SNAP (op-power.c): stopped, rolled back, started again when it ran. */
enum ct_err op_restore(struct agent_ctx *ctx, const struct request *req, json_t **data,
                       struct ct_error *err);
/* snapshot NAME [SNAP] and snapshots NAME (op-snapshot.c). */
enum ct_err op_snapshot(struct agent_ctx *ctx, const struct request *req, json_t **data,
                        struct ct_error *err);
enum ct_err op_snapshots(struct agent_ctx *ctx, const struct request *req, json_t **data,
                         struct ct_error *err);
/* A backup of the caller's container streamed as data lines (op-export.c). */
enum ct_err op_export(struct agent_ctx *ctx, const struct request *req, json_t **data,
                      struct ct_error *err);
enum ct_err op_templates(struct agent_ctx *ctx, const struct request *req, json_t **data,
                         struct ct_error *err);
/* The caller's own audit records (op-history.c). */
enum ct_err op_history(struct agent_ctx *ctx, const struct request *req, json_t **data,
                       struct ct_error *err);
/* deploy/op-logs.c: the journal of a container's deployed app (create --repo). */
enum ct_err op_logs(struct agent_ctx *ctx, const struct request *req, json_t **data,
                    struct ct_error *err);
/* deploy/op-redeploy.c: fetch, build and switch to a new release of the deployed app. */
enum ct_err op_redeploy(struct agent_ctx *ctx, const struct request *req, json_t **data,
                        struct ct_error *err);

/* Shared by the ops: may this caller see/touch this instance? */
bool ops_may_access(const struct agent_ctx *ctx, const struct request *req,
                    const struct backend_instance *inst);
/*
 * Look up req->hostname and check that the caller may access it.  "Not
 * there" and "not yours" both give CT_ERR_NOT_FOUND with the same detail.
 */
enum ct_err ops_get_own(struct agent_ctx *ctx, const struct request *req,
                        struct backend_instance *inst, struct ct_error *err);
/* ops_get_own, and the instance must be running (not_allowed, the user's to see, otherwise). */
enum ct_err ops_get_own_running(struct agent_ctx *ctx, const struct request *req,
                                struct backend_instance *inst, struct ct_error *err);
/*
 * Run an operation's steps (steps.h) with progress lines on ctx->out and
 * the test build's fault injection; step_ctx is passed to every step.
 */
enum ct_err ops_run_steps(struct agent_ctx *ctx, const struct step *steps, size_t nsteps,
                          void *step_ctx, struct ct_error *err);
/*
 * The delete steps (destroy, release, unpublish) for a container whose
 * ownership the caller has settled; shared by `delete` and the reaper.
 */
enum ct_err ops_delete_named(struct agent_ctx *ctx, const char *name, struct ct_error *err);
/*
 * Withdraw name's published address: cleared in the registry (its ports stay
 * reserved) and nginx's files regenerated.  Nothing to do when it has none
 * or publishing is off.  For `stop`, a start whose address is refused, and
 * the reaper's stop: nginx never forwards to an address the container may
 * no longer hold (a freed lease goes to somebody else).
 */
enum ct_err ops_unpublish(struct agent_ctx *ctx, const char *name, struct ct_error *err);
/* JSON description of an instance (no secrets). */
json_t *ops_instance_json(const struct backend_instance *inst);


#endif
