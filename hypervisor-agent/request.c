/* request.c - see request.h. */
#include "request.h"

#include <jansson.h>
#include <string.h>

#include "policy.h"
#include "proto.h"
#include "units.h"
#include "strcopy.h"

#define BIT(op) (1u << (op))

struct field {
    const char *name;
    unsigned allowed;  /* bit per op */
    unsigned required; /* bit per op */
};

#define NAMED (BIT(OP_CREATE) | BIT(OP_INFO) | BIT(OP_DELETE) | BIT(OP_START) | BIT(OP_STOP) | \
               BIT(OP_RESTART))

static const struct field fields[] = {
    {"v", ~0u, ~0u},
    {"op", ~0u, ~0u},
    {"caller", ~0u, ~0u},
    {"request_id", BIT(OP_CREATE) | BIT(OP_DELETE), 0},
    {"hostname", NAMED | BIT(OP_CHECK) | BIT(OP_HISTORY), NAMED},
    {"template", BIT(OP_CREATE) | BIT(OP_CHECK), BIT(OP_CREATE)},
    {"pubkey", BIT(OP_CREATE), BIT(OP_CREATE)},
    {"protocols", BIT(OP_CREATE), 0},
    {"size", BIT(OP_CREATE), 0},
    {"cpu", BIT(OP_CREATE), 0},
    {"memory_mib", BIT(OP_CREATE), 0},
    {"disk_mib", BIT(OP_CREATE), 0},
    {"http_port", BIT(OP_CREATE), 0},
    {"expires_in", BIT(OP_CREATE), 0},
};

/* Integer fields: name, bounds (all optional; absent leaves 0). */
struct int_field {
    const char *name;
    long long min;
    long long max;
};

static const struct int_field int_fields[] = {
    {"cpu", 1, CT_CPU_MAX},
    {"memory_mib", CT_MEMORY_MIN_MIB, UNITS_MIB_MAX},
    {"disk_mib", CT_DISK_MIN_MIB, UNITS_MIB_MAX},
    {"http_port", 1, 65535},
    {"expires_in", 0, UNITS_SECONDS_MAX},
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
};

const char *request_op_name(enum request_op op)
{
    return (unsigned)op < OP__COUNT ? op_names[op] : "unknown";
}

static const struct field *find_field(const char *name)
{
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (strcmp(fields[i].name, name) == 0) {
            return &fields[i];
        }
    }
    return NULL;
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

static bool check_size(const char *s)
{
    return validate_name(s, SIZE_NAME_MAX);
}

/* Each integer field present must be an integer within its bounds. */
static enum ct_err get_ints(json_t *root, long long *values, struct ct_error *err)
{
    for (size_t i = 0; i < sizeof(int_fields) / sizeof(int_fields[0]); i++) {
        json_t *v = json_object_get(root, int_fields[i].name);
        values[i] = -1;
        if (v == NULL) {
            continue;
        }
        if (!json_is_integer(v) || json_integer_value(v) < int_fields[i].min ||
            json_integer_value(v) > int_fields[i].max) {
            return ct_error_set(err, CT_ERR_BAD_VALUE, "%s must be %lld..%lld", int_fields[i].name,
                                int_fields[i].min, int_fields[i].max);
        }
        values[i] = json_integer_value(v);
    }
    return CT_OK;
}

static bool check_template(const char *s)
{
    return validate_name(s, CT_TEMPLATE_MAX);
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
        const struct field *f = find_field(key);
        if (f == NULL || (f->allowed & BIT(out->op)) == 0) {
            /* Name the field only when it is printable and short: it is attacker text. */
            rc = bad(err, "unknown field", validate_token(key, 32) ? key : "?");
            goto out;
        }
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if ((fields[i].required & BIT(out->op)) && json_object_get(root, fields[i].name) == NULL) {
            rc = bad(err, "missing field", fields[i].name);
            goto out;
        }
    }
    if ((rc = parse_caller(json_object_get(root, "caller"), &out->caller, err)) != CT_OK ||
        (rc = get_string(root, "request_id", out->request_id, sizeof(out->request_id),
                         validate_request_id, CT_ERR_BAD_REQUEST, err)) != CT_OK ||
        (rc = get_string(root, "hostname", out->hostname, sizeof(out->hostname), validate_hostname,
                         CT_ERR_BAD_HOSTNAME, err)) != CT_OK ||
        (rc = get_string(root, "template", out->template_name, sizeof(out->template_name),
                         check_template, CT_ERR_BAD_TEMPLATE, err)) != CT_OK ||
        (rc = get_string(root, "size", out->size, sizeof(out->size), check_size,
                         CT_ERR_BAD_REQUEST, err)) != CT_OK) {
        goto out;
    }
    long long ints[sizeof(int_fields) / sizeof(int_fields[0])];
    if ((rc = get_ints(root, ints, err)) != CT_OK) {
        goto out;
    }
    out->limits.cpu = ints[0] > 0 ? (int)ints[0] : 0;
    out->limits.memory_mib = ints[1] > 0 ? ints[1] : 0;
    out->limits.disk_mib = ints[2] > 0 ? ints[2] : 0;
    out->http_port = ints[3] > 0 ? (int)ints[3] : 0;
    out->has_expires = ints[4] >= 0;
    out->expires_in_s = out->has_expires ? ints[4] : 0;
    json_t *protos = json_object_get(root, "protocols");
    if (protos != NULL) {
        size_t i;
        json_t *p;
        if (!json_is_array(protos) || json_array_size(protos) > REQUEST_PROTOCOLS_MAX) {
            rc = bad(err, "invalid value for", "protocols");
            goto out;
        }
        json_array_foreach (protos, i, p) {
            const char *name = json_string_value(p);
            if (name == NULL || !validate_name(name, PROTOCOL_NAME_MAX)) {
                rc = bad(err, "invalid value for", "protocols");
                goto out;
            }
            for (size_t j = 0; j < out->nprotocols; j++) {
                if (strcmp(out->protocols[j], name) == 0) {
                    rc = bad(err, "duplicate name in", "protocols");
                    goto out;
                }
            }
            str_copy(out->protocols[out->nprotocols++], PROTOCOL_NAME_MAX + 1, name);
        }
    }
    json_t *pk = json_object_get(root, "pubkey");
    if (pk != NULL) {
        const char *why = NULL;
        if (!json_is_string(pk)) {
            rc = bad(err, "wrong type for", "pubkey");
            goto out;
        }
        if (!pubkey_parse(json_string_value(pk), json_string_length(pk), &out->pubkey, &why)) {
            rc = ct_error_set(err, CT_ERR_BAD_PUBKEY, "%s", why);
            goto out;
        }
        out->has_pubkey = true;
    }
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

json_t *request_params_json(const struct request *req)
{
    json_t *p = json_object();
    if (p == NULL) {
        return NULL;
    }
    struct {
        const char *key;
        const char *value;
    } strings[] = {{"hostname", req->hostname},     {"template", req->template_name},
                   {"request_id", req->request_id}, {"size", req->size}};
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        if (strings[i].value[0] != '\0') {
            json_object_set_new(p, strings[i].key, json_string(strings[i].value));
        }
    }
    struct {
        const char *key;
        long long value;
    } numbers[] = {{"cpu", req->limits.cpu},
                   {"memory_mib", req->limits.memory_mib},
                   {"disk_mib", req->limits.disk_mib},
                   {"http_port", req->http_port}};
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        if (numbers[i].value != 0) {
            json_object_set_new(p, numbers[i].key, json_integer(numbers[i].value));
        }
    }
    if (req->has_expires) {
        json_object_set_new(p, "expires_in", json_integer(req->expires_in_s));
    }
    if (req->nprotocols > 0) {
        json_t *list = json_array();
        for (size_t i = 0; i < req->nprotocols; i++) {
            json_array_append_new(list, json_string(req->protocols[i]));
        }
        json_object_set_new(p, "protocols", list);
    }
    if (req->has_pubkey) {
        char fp[PUBKEY_FINGERPRINT_LEN];
        pubkey_fingerprint(&req->pubkey, fp);
        json_object_set_new(p, "pubkey_fingerprint", json_string(fp));
    }
    return p;
}

void request_free(struct request *req)
{
    if (req->has_pubkey) {
        pubkey_free(&req->pubkey);
        req->has_pubkey = false;
    }
}
