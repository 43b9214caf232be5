/*
 * request.h - one request from the gateway, parsed and validated.
 *
 * request_parse() accepts exactly the fields an operation allows (docs/
 * protocol.md); unknown fields, wrong types, duplicate keys and values that
 * fail their validator are errors.  struct request owns its memory; release
 * it with request_free().  The agent trusts nothing the gateway sends beyond
 * the caller's identity, which only the gateway's key can assert.
 */
#ifndef CTGATE_REQUEST_H
#define CTGATE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "agent-config.h"
#include "error.h"
#include "protocols.h"
#include "pubkey.h"
#include "validate.h"

#define REQUEST_GROUPS_MAX 64
#define REQUEST_PROTOCOLS_MAX PROTOCOLS_PER_CREATE_MAX

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
    char request_id[CT_REQUEST_ID_MAX + 1];
    struct caller caller;
    char hostname[CT_HOSTNAME_MAX + 1];
    char template_name[CT_TEMPLATE_MAX + 1];
    struct pubkey pubkey;
    bool has_pubkey;
    char protocols[REQUEST_PROTOCOLS_MAX][PROTOCOL_NAME_MAX + 1];
    size_t nprotocols;
    char size[SIZE_NAME_MAX + 1]; /* "" when not asked */
    struct size_spec limits;      /* values asked for explicitly; 0 when not */
    int http_port;                /* 0 when not asked */
    bool has_expires;
    long long expires_in_s; /* with has_expires: 0 asks for "never" */
};

const char *request_op_name(enum request_op op);
enum ct_err request_parse(const char *text, size_t len, struct request *out, struct ct_error *err);
bool request_caller_in_group(const struct request *req, const char *group);
/* What the request asked for, minus secrets and key material (the key as its fingerprint). */
json_t *request_params_json(const struct request *req);
void request_free(struct request *req);

#endif
