/*
 * request.h - one request from the gateway, parsed and validated.
 *
 * request_parse() accepts exactly the fields an operation allows (docs/
 * protocol.md); unknown fields, wrong types, duplicate keys and values that
 * fail their validator are errors.  The create parameters are the rows of
 * shared/params-table.h, parsed and checked by that table into param[].
 * struct request owns its memory; release it with request_free().  The agent trusts nothing the gateway sends beyond
 * the caller's identity, which only the gateway's key can assert.
 */
#ifndef CTGATE_REQUEST_H
#define CTGATE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "agent-config.h"
#include "error.h"
#include "params-table.h"
#include "validate.h"

#define REQUEST_GROUPS_MAX 64

enum request_op {
    OP_CREATE,
    OP_LIST,
    OP_INFO,
    OP_DELETE,
    OP_CHECK,
    OP_START,
    OP_STOP,
    OP_RESTART,
    OP_TEMPLATES,
    OP_HISTORY,
    OP_LOGS,
    OP_REDEPLOY,
    OP_SNAPSHOT,
    OP_SNAPSHOTS,
    OP_RESTORE,
    OP_EXPORT,
    OP__COUNT
};

struct caller {
    char uid[CT_UID_MAX + 1];
    long long uid_number;
    char groups[REQUEST_GROUPS_MAX][CT_GROUP_MAX + 1];
    size_t ngroups;
    char key_fingerprint[CT_FINGERPRINT_MAX + 1];
    char client[CT_CLIENT_MAX + 1];
};

struct request {
    enum request_op op;
    struct caller caller;
    /* Every parameter the request carries, by enum ct_param_id (unset: not given). */
    struct ct_param_value param[CT_P_COUNT];
    /* The names other operations carry too, from param[] ("" when absent). */
    const char *hostname;
    const char *template_name;
    const char *request_id;
    /*
     * create with repo: the address the gateway resolved the repository's
     * host to and checked (gateway/repo-check.c); the clone is pinned to it.
     * Not a person's parameter, so not a row of the table.  "" otherwise.
     */
    char repo_address[48];
    /* logs: how many of the last lines (1..REQUEST_LOG_LINES_MAX, default 100), and whether to follow. */
    int log_lines;
    bool log_follow;
    /* snapshot (optional: a name is made) and restore (required): validate_snapshot_name. */
    char snapshot[CT_SNAPSHOT_MAX + 1];
    bool snapshot_delete; /* snapshot with "delete": true removes the named one */
};

#define REQUEST_LOG_LINES_MAX 1000

const char *request_op_name(enum request_op op);
enum ct_err request_parse(const char *text, size_t len, struct request *out, struct ct_error *err);
bool request_caller_in_group(const struct request *req, const char *group);
/* The limits a create asked for explicitly (0: not asked). */
struct size_spec request_limits(const struct request *req);
/* What the request asked for, minus secrets and key material (the key as its fingerprint). */
json_t *request_params_json(const struct request *req);
void request_free(struct request *req);

#endif
