/*
 * params-table.h - the parameters of a create, each described once.
 *
 * One row per parameter (struct ct_param_def, in ct_params[], indexed by
 * enum ct_param_id): its key in the agent request, its --flag and CT_*
 * variable, its type, limits and validator, the reason a person is told
 * when a value is refused, and its `help create` text.  The gateway reads
 * its flags, variables, checks, request JSON and help from here; the agent
 * parses and re-validates the request with the same rows.  Row order is the
 * order of `help create`, of the checks and of the prompts.  Like git's
 * parse-options OPT_* rows and tmux's options-table.c.
 *
 * Adding a parameter: an enum value and a row here, a line in docs/usage.md
 * and docs/ctgate.8 (test-params-table checks), and the code that uses it
 * (a prompt row in gateway/create/create-params.c if it is asked on a terminal).
 *
 * struct ct_param_value owns its heap strings: ct_param_value_free().
 * Nothing here keeps state; all functions are thread-safe.
 */
#ifndef CTGATE_PARAMS_TABLE_H
#define CTGATE_PARAMS_TABLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum ct_param_id {
    CT_P_HOSTNAME,
    CT_P_TEMPLATE,
    CT_P_PUBKEY,
    CT_P_SIZE,
    CT_P_CPU,
    CT_P_MEMORY,
    CT_P_DISK,
    CT_P_HTTP_PORT,
    CT_P_PROTOCOLS,
    CT_P_EXPIRES,
    CT_P_REQUEST_ID,
    CT_P_DESCRIPTION,
    CT_P_REPO,
    CT_P_BRANCH,
    CT_P_APP_ROOT,
    CT_P_RUNTIME,
    CT_P_INSTALL,
    CT_P_BUILD,
    CT_P_START,
    CT_P_ENV,
    CT_P_SERVICES,
    CT_P_COUNT
};

enum ct_param_type {
    CT_PARAM_TEXT,     /* a string, as typed (lower-cased when .lower) */
    CT_PARAM_PUBKEY,   /* one OpenSSH public key, sent in canonical form */
    CT_PARAM_INT,      /* a decimal number, sent as an integer */
    CT_PARAM_SIZE,     /* a size like 512MiB, 500MB or 2G, sent as an integer of bytes */
    CT_PARAM_DURATION, /* 30m, 12h, 7d, 2w or "never", sent as seconds (0: never) */
    CT_PARAM_LIST      /* names, repeatable flag or a,b,c; sent as an array of strings */
};

struct ct_param_def {
    const char *wire;    /* key in the agent request: "memory_bytes" */
    const char *flag;    /* "memory" for --memory */
    const char *env;     /* "CT_MEMORY" */
    const char *metavar; /* "SIZE" in help */
    enum ct_param_type type;
    bool required; /* a create needs it (a default, a prompt, or an error) */
    bool lower;    /* the gateway lower-cases what people type */
    /* INT, SIZE, DURATION: bounds of the number sent; LIST: at most max items. */
    long long min;
    long long max;
    /* TEXT and LIST items: the whole rule, length included (validate.h). */
    bool (*valid)(const char *s);
    const char *item;     /* LIST: one item, for messages ("protocol") */
    char sep;             /* LIST: what separates items in one text (0: ',') */
    bool secret_values;   /* LIST of KEY=VALUE: the audit records the keys only */
    enum ct_err wire_err; /* the agent's error for an invalid TEXT value */
    const char *rule;     /* why a value is refused, for people */
    const char *help;     /* `help create`; the variable is appended */
};

/* A value of one parameter: as parsed by the gateway or by the agent. */
struct ct_param_value {
    bool set;
    char *text;       /* TEXT, PUBKEY (canonical); the gateway: also numbers as typed */
    long long number; /* INT, SIZE, DURATION: the number sent */
    char **items;     /* LIST */
    size_t nitems;
};

extern const struct ct_param_def ct_params[CT_P_COUNT];

/* The row whose wire key is name, or NULL. */
const struct ct_param_def *ct_param_by_wire(const char *name);

/*
 * Check text a person gave (flag, variable, prompt answer, default) for
 * parameter id and store it in out.  A LIST takes "a,b,c" and adds to the
 * items already in out (a repeated flag calls this once per value).  On
 * refusal false, a reason for people in why, and out as it was.
 */
bool ct_param_from_text(enum ct_param_id id, const char *text, struct ct_param_value *out,
                        char *why, size_t whylen);
/*
 * The agent: check the request's value of parameter id (json may be NULL:
 * absent) into out.  Errors name the field and carry the row's code.
 */
enum ct_err ct_param_from_json(enum ct_param_id id, json_t *json, struct ct_param_value *out,
                               struct ct_error *err);

enum ct_param_json {
    CT_PARAM_JSON_REQUEST, /* what the gateway sends */
    CT_PARAM_JSON_AUDIT    /* what the agent records: a key as its fingerprint */
};
/* Every set value of values[CT_P_COUNT] into obj under its wire key; non-zero when out of memory.
 */
int ct_params_to_json(const struct ct_param_value *values, enum ct_param_json mode, json_t *obj);

/* text, or "" when unset. */
const char *ct_param_text(const struct ct_param_value *v);
/* number, or 0 when unset. */
long long ct_param_number(const struct ct_param_value *v);
void ct_param_value_free(struct ct_param_value *v);
void ct_param_values_free(struct ct_param_value *values, size_t n);

#endif
