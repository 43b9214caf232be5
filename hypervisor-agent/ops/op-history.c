/*
 * op-history.c - the "history" operation: the caller's own audit records
 * (audit.h), optionally about one container, the last HISTORY_LIMIT of
 * them.  Everyone sees only their own, admins included: the whole trail is
 * `ctgate-agent audit show` on the hypervisor.
 */
#include "audit.h"
#include "ops.h"

#define HISTORY_LIMIT 200

enum ct_err op_history(struct agent_ctx *ctx, const struct request *req, json_t **data,
                       struct ct_error *err)
{
    json_t *records = NULL;
    enum ct_err rc = audit_select(ctx->cfg->state_dir, req->caller.uid, 0,
                                  req->hostname[0] != '\0' ? req->hostname : NULL, HISTORY_LIMIT,
                                  false, &records, err);
    if (rc != CT_OK) {
        return rc;
    }
    *data = json_pack("{s:o}", "records", records);
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}
