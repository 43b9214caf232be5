/* request.c - see request.h. */
#include "request.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "policy.h"
#include "proto.h"
#include "units.h"
#include "strcopy.h"

#define BIT(op) (1u << (op))

/* The envelope: every operation carries these. */
static const char *const envelope[] = {"v", "op", "caller"};

#define NAMED                                                                                      \
    (BIT(OP_INFO) | BIT(OP_DELETE) | BIT(OP_START) | BIT(OP_STOP) | BIT(OP_RESTART) |          \
     BIT(OP_LOGS) | BIT(OP_REDEPLOY) | BIT(OP_SNAPSHOT) | BIT(OP_SNAPSHOTS) | BIT(OP_RESTORE) |   \
     BIT(OP_EXPORT))

/*
 * Parameters other operations take besides create (which takes every row of
 * params-table.h, those marked required required): bit per op.
 */
static const struct {
    enum ct_param_id id;
    unsigned allowed;
    unsigned required;
} other_ops[] = {
    {CT_P_HOSTNAME, NAMED | BIT(OP_CHECK) | BIT(OP_HISTORY), NAMED},
    {CT_P_TEMPLATE, BIT(OP_CHECK), 0},
    {CT_P_REQUEST_ID, BIT(OP_DELETE), 0},
    {CT_P_BRANCH, BIT(OP_REDEPLOY), 0},
};

static const char *const op_names[OP__COUNT] = {
    [OP_CREATE] = "create",
    [OP_LIST] = "list",
    [OP_INFO] = "info",
    [OP_DELETE] = "delete",
    [OP_CHECK] = "check",
    [OP_START] = "start",
    [OP_STOP] = "stop",
    [OP_RESTART] = "restart",
    [OP_TEMPLATES] = "templates",
    [OP_HISTORY] = "history",
    [OP_LOGS] = "logs",
    [OP_REDEPLOY] = "redeploy",
    [OP_SNAPSHOT] = "snapshot",
    [OP_SNAPSHOTS] = "snapshots",
    [OP_RESTORE] = "restore",
    [OP_EXPORT] = "export",
};

const char *request_op_name(enum request_op op)
{
    return (unsigned)op < OP__COUNT ? op_names[op] : "unknown";
}

/* Whether op takes parameter id (required: must take it). */
static bool op_takes(enum request_op op, enum ct_param_id id, bool required)
{
    if (op == OP_CREATE) {
        return !required || ct_params[id].required;
    }
    for (size_t i = 0; i < sizeof(other_ops) / sizeof(other_ops[0]); i++) {
        if (other_ops[i].id == id) {
            return ((required ? other_ops[i].required : other_ops[i].allowed) & BIT(op)) != 0;
        }
    }
    return false;
}

static bool known_field(enum request_op op, const char *key)
{
    if (op == OP_CREATE && strcmp(key, "repo_address") == 0) {
        return true; /* the gateway's, not a person's: see request.h */
    }
    if (op == OP_LOGS && (strcmp(key, "lines") == 0 || strcmp(key, "follow") == 0)) {
        return true; /* logs' own options, not create parameters */
    }
    if ((op == OP_SNAPSHOT || op == OP_RESTORE) && strcmp(key, "snapshot") == 0) {
        return true;
    }
    if (op == OP_SNAPSHOT && strcmp(key, "delete") == 0) {
        return true;
    }
    for (size_t i = 0; i < sizeof(envelope) / sizeof(envelope[0]); i++) {
        if (strcmp(envelope[i], key) == 0) {
            return true;
        }
    }
    const struct ct_param_def *d = ct_param_by_wire(key);
    return d != NULL && op_takes(op, (enum ct_param_id)(d - ct_params), false);
}

static enum ct_err bad(struct ct_error *err, const char *what, const char *field)
{
    return ct_error_set(err, CT_ERR_BAD_REQUEST, "%s '%s'", what, field);
}

/* Copy a JSON string that must pass check into dst (size cap). */
static enum ct_err get_string(json_t *obj, const char *name, char *dst, size_t cap,
                              bool (*check)(const char *), enum ct_err code, struct ct_error *err)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL) {
        dst[0] = '\0';
        return CT_OK;
    }
    if (!json_is_string(v)) {
        return bad(err, "wrong type for", name);
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= cap || strlen(s) != n || (check != NULL && !check(s))) {
        if (code == CT_ERR_BAD_REQUEST) {
            return bad(err, "invalid value for", name);
        }
        return ct_error_set(err, code, NULL);
    }
    memcpy(dst, s, n + 1);
    return CT_OK;
}

/* An IPv4 or IPv6 address literal, nothing else. */
static bool check_address(const char *s)
{
    unsigned char bytes[16];
    return inet_pton(AF_INET, s, bytes) == 1 || inet_pton(AF_INET6, s, bytes) == 1;
}

static bool check_fingerprint(const char *s)
{
    return validate_token(s, CT_FINGERPRINT_MAX);
}

static bool check_client(const char *s)
{
    return validate_token(s, CT_CLIENT_MAX);
}

static enum ct_err parse_caller(json_t *obj, struct caller *c, struct ct_error *err)
{
    static const char *const allowed[] = {"uid", "uid_number", "groups", "key_fingerprint",
                                          "client"};
    const char *key;
    json_t *value;
    enum ct_err rc;

    if (!json_is_object(obj)) {
        return bad(err, "wrong type for", "caller");
    }
    json_object_foreach (obj, key, value) {
        bool known = false;
        for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
            known = known || strcmp(allowed[i], key) == 0;
        }
        if (!known) {
            return bad(err, "unknown field", "caller.*");
        }
    }
    if ((rc = get_string(obj, "uid", c->uid, sizeof(c->uid), validate_uid, CT_ERR_BAD_REQUEST,
                         err)) != CT_OK ||
        (rc = get_string(obj, "key_fingerprint", c->key_fingerprint, sizeof(c->key_fingerprint),
                         check_fingerprint, CT_ERR_BAD_REQUEST, err)) != CT_OK ||
        (rc = get_string(obj, "client", c->client, sizeof(c->client), check_client,
                         CT_ERR_BAD_REQUEST, err)) != CT_OK) {
        return rc;
    }
    if (c->uid[0] == '\0') {
        return bad(err, "missing field", "caller.uid");
    }
    json_t *num = json_object_get(obj, "uid_number");
    if (!json_is_integer(num) || json_integer_value(num) < 1000 ||
        json_integer_value(num) > 2147483647LL) {
        return bad(err, "missing or invalid field", "caller.uid_number");
    }
    c->uid_number = json_integer_value(num);
    json_t *groups = json_object_get(obj, "groups");
    if (groups != NULL) {
        if (!json_is_array(groups) || json_array_size(groups) > REQUEST_GROUPS_MAX) {
            return bad(err, "invalid value for", "caller.groups");
        }
        size_t i;
        json_t *g;
        json_array_foreach (groups, i, g) {
            const char *name = json_string_value(g);
            if (name == NULL || !validate_name(name, CT_GROUP_MAX)) {
                return bad(err, "invalid value for", "caller.groups");
            }
            str_copy(c->groups[i], sizeof(c->groups[i]), name);
            c->ngroups = i + 1;
        }
    }
    return CT_OK;
}

enum ct_err request_parse(const char *text, size_t len, struct request *out, struct ct_error *err)
{
    memset(out, 0, sizeof(*out));
    out->hostname = out->template_name = out->request_id = "";
    json_error_t jerr;
    json_t *root = NULL;
    const char *key;
    json_t *value;
    enum ct_err rc = CT_OK;

    if (len > PROTO_REQUEST_MAX) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "request larger than %zu bytes",
                            PROTO_REQUEST_MAX);
    }
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rc = ct_error_set(err, CT_ERR_BAD_REQUEST, "not valid JSON (line %d column %d)", jerr.line,
                          jerr.column);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = ct_error_set(err, CT_ERR_BAD_REQUEST, "request must be a JSON object");
        goto out;
    }
    json_t *v = json_object_get(root, "v");
    if (!json_is_integer(v) || json_integer_value(v) != PROTO_VERSION) {
        rc = ct_error_set(err, CT_ERR_BAD_REQUEST, "unsupported protocol version");
        goto out;
    }
    const char *op = json_string_value(json_object_get(root, "op"));
    out->op = OP__COUNT;
    for (int i = 0; op != NULL && i < OP__COUNT; i++) {
        if (strcmp(op_names[i], op) == 0) {
            out->op = (enum request_op)i;
        }
    }
    if (out->op == OP__COUNT) {
        rc = ct_error_set(err, CT_ERR_BAD_REQUEST, "unknown operation");
        goto out;
    }
    json_object_foreach (root, key, value) {
        if (!known_field(out->op, key)) {
            /* Name the field only when it is printable and short: it is attacker text. */
            rc = bad(err, "unknown field", validate_token(key, 32) ? key : "?");
            goto out;
        }
    }
    if (json_object_get(root, "caller") == NULL) {
        rc = bad(err, "missing field", "caller");
        goto out;
    }
    for (size_t i = 0; i < CT_P_COUNT; i++) {
        if (op_takes(out->op, (enum ct_param_id)i, true) &&
            json_object_get(root, ct_params[i].wire) == NULL) {
            rc = bad(err, "missing field", ct_params[i].wire);
            goto out;
        }
    }
    if ((rc = parse_caller(json_object_get(root, "caller"), &out->caller, err)) != CT_OK) {
        goto out;
    }
    for (size_t i = 0; i < CT_P_COUNT; i++) {
        rc = ct_param_from_json((enum ct_param_id)i, json_object_get(root, ct_params[i].wire),
                                &out->param[i], err);
        if (rc != CT_OK) {
            goto out;
        }
    }
    if ((rc = get_string(root, "repo_address", out->repo_address, sizeof(out->repo_address),
                         check_address, CT_ERR_BAD_REQUEST, err)) != CT_OK) {
        goto out;
    }
    if (out->param[CT_P_REPO].set != (out->repo_address[0] != '\0')) {
        rc = bad(err, out->repo_address[0] ? "without repo:" : "missing field", "repo_address");
        goto out;
    }
    json_t *lines = json_object_get(root, "lines");
    json_t *follow = json_object_get(root, "follow");
    out->log_lines = 100;
    if (lines != NULL) {
        if (!json_is_integer(lines) || json_integer_value(lines) < 1 ||
            json_integer_value(lines) > REQUEST_LOG_LINES_MAX) {
            rc = ct_error_set(err, CT_ERR_BAD_VALUE, "lines must be 1..%d", REQUEST_LOG_LINES_MAX);
            goto out;
        }
        out->log_lines = (int)json_integer_value(lines);
    }
    if (follow != NULL && !json_is_boolean(follow)) {
        rc = bad(err, "wrong type for", "follow");
        goto out;
    }
    out->log_follow = json_is_true(follow);
    if ((rc = get_string(root, "snapshot", out->snapshot, sizeof(out->snapshot),
                         validate_snapshot_name, CT_ERR_BAD_VALUE, err)) != CT_OK) {
        if (err->detail[0] == '\0') {
            ct_error_set(err, CT_ERR_BAD_VALUE,
                         "snapshot: not a snapshot name (lower-case letters, digits and '-', "
                         "1-%d characters, not starting or ending with '-')",
                         CT_SNAPSHOT_MAX);
        }
        goto out;
    }
    json_t *del = json_object_get(root, "delete");
    if (del != NULL && !json_is_boolean(del)) {
        rc = bad(err, "wrong type for", "delete");
        goto out;
    }
    out->snapshot_delete = json_is_true(del);
    if (out->op == OP_SNAPSHOT && out->snapshot[0] == '\0' && !out->snapshot_delete) {
        /* Named now, so that the audit record made from the request names it too. */
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(out->snapshot, sizeof(out->snapshot), "snap-%Y%m%d-%H%M%S", &tm);
    }
    if (out->op == OP_RESTORE && out->snapshot[0] == '\0') {
        rc = bad(err, "missing field", "snapshot");
        goto out;
    }
    out->hostname = ct_param_text(&out->param[CT_P_HOSTNAME]);
    out->template_name = ct_param_text(&out->param[CT_P_TEMPLATE]);
    out->request_id = ct_param_text(&out->param[CT_P_REQUEST_ID]);
out:
    json_decref(root);
    if (rc != CT_OK) {
        request_free(out);
    }
    return rc;
}

bool request_caller_in_group(const struct request *req, const char *group)
{
    if (group == NULL || group[0] == '\0') {
        return false;
    }
    for (size_t i = 0; i < req->caller.ngroups; i++) {
        if (strcmp(req->caller.groups[i], group) == 0) {
            return true;
        }
    }
    return false;
}

struct size_spec request_limits(const struct request *req)
{
    return (struct size_spec){
        .cpu = (int)ct_param_number(&req->param[CT_P_CPU]),
        .memory_bytes = ct_param_number(&req->param[CT_P_MEMORY]),
        .disk_bytes = ct_param_number(&req->param[CT_P_DISK]),
    };
}

json_t *request_params_json(const struct request *req)
{
    json_t *p = json_object();
    if (p != NULL && ct_params_to_json(req->param, CT_PARAM_JSON_AUDIT, p) != 0) {
        json_decref(p);
        return NULL;
    }
    if (p != NULL && req->snapshot[0] != '\0') { /* snapshot, restore: which one */
        json_object_set_new(p, "snapshot", json_string(req->snapshot));
        if (req->snapshot_delete) {
            json_object_set_new(p, "delete", json_true());
        }
    }
    return p;
}

void request_free(struct request *req)
{
    ct_param_values_free(req->param, CT_P_COUNT);
    req->hostname = req->template_name = req->request_id = "";
}
