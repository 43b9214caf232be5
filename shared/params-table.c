/* params-table.c - see params-table.h. */
#include "params-table.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy-validate.h"
#include "protocols.h"
#include "pubkey.h"
#include "units.h"
#include "validate.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static bool valid_template(const char *s)
{
    return validate_name(s, CT_TEMPLATE_MAX);
}

static bool valid_size(const char *s)
{
    return validate_name(s, CT_SIZE_NAME_MAX);
}

static bool valid_protocol(const char *s)
{
    return validate_name(s, PROTOCOL_NAME_MAX);
}

static bool valid_description(const char *s)
{
    return validate_text(s, CT_DESCRIPTION_MAX);
}

/* --- the table ------------------------------------------------------------ */

/* One row per parameter, a group of fields per line. */
/* clang-format off */
const struct ct_param_def ct_params[CT_P_COUNT] = {
    [CT_P_HOSTNAME] = {
        .wire = "hostname", .flag = "hostname", .env = "CT_HOSTNAME", .metavar = "NAME",
        .type = CT_PARAM_TEXT, .required = true, .lower = true,
        .valid = validate_hostname, .wire_err = CT_ERR_BAD_HOSTNAME,
        .rule = "not a hostname: 1 to " STR(CT_HOSTNAME_MAX)
                " of a-z, 0-9 and '-', not starting or ending with '-'",
        .help = "the container's name: an RFC 1123 label (a-z, 0-9, '-', at most 63), "
                "lower-cased; must not be reserved or taken",
    },
    [CT_P_TEMPLATE] = {
        .wire = "template", .flag = "template", .env = "CT_TEMPLATE", .metavar = "NAME",
        .type = CT_PARAM_TEXT, .required = true,
        .valid = valid_template, .wire_err = CT_ERR_BAD_TEMPLATE,
        .rule = "not a template name",
        .help = "the template to build from (default: the gateway's; see: templates)",
    },
    [CT_P_PUBKEY] = {
        .wire = "pubkey", .flag = "pubkey", .env = "CT_PUBKEY", .metavar = "KEY",
        .type = CT_PARAM_PUBKEY, .required = true, .wire_err = CT_ERR_BAD_PUBKEY,
        .rule = "not a usable public key",
        .help = "the OpenSSH public key to install (default: the key you logged in with)",
    },
    [CT_P_SIZE] = {
        .wire = "size", .flag = "size", .env = "CT_SIZE", .metavar = "NAME",
        .type = CT_PARAM_TEXT, .valid = valid_size, .wire_err = CT_ERR_BAD_REQUEST,
        .rule = "not a size name (see: templates)",
        .help = "a size the template offers, e.g. small, medium, large (default: the "
                "template's; see: templates)",
    },
    [CT_P_CPU] = {
        .wire = "cpu", .flag = "cpu", .env = "CT_CPU", .metavar = "N",
        .type = CT_PARAM_INT, .min = 1, .max = CT_CPU_MAX,
        .rule = "a number of CPUs, 1 to " STR(CT_CPU_MAX),
        .help = "CPUs, 1-1024, replacing the size's; within the template's maximum",
    },
    [CT_P_MEMORY] = {
        .wire = "memory_bytes", .flag = "memory", .env = "CT_MEMORY", .metavar = "SIZE",
        .type = CT_PARAM_SIZE, .min = CT_MEMORY_MIN_MIB * UNITS_MIB, .max = UNITS_BYTES_MAX,
        .rule = "a size like 512MiB or 2GiB, at least " STR(CT_MEMORY_MIN_MIB) "MiB",
        .help = "memory limit like 512M or 2G (binary: 1M = 1MiB = 1048576 bytes) or 500MB, "
                "2GB (decimal: 1MB = 1000000 bytes), at least 32MiB; replacing the size's; "
                "within the template's maximum and your memory quota",
    },
    [CT_P_DISK] = {
        .wire = "disk_bytes", .flag = "disk", .env = "CT_DISK", .metavar = "SIZE",
        .type = CT_PARAM_SIZE, .min = CT_DISK_MIN_MIB * UNITS_MIB, .max = UNITS_BYTES_MAX,
        .rule = "a size like 512MiB or 2GiB, at least " STR(CT_DISK_MIN_MIB) "MiB",
        .help = "root disk size like 10G, 10GiB or 10GB, at least 256MiB (K, M, G, T, KiB, "
                "MiB, GiB, TiB are binary; KB, MB, GB, TB decimal; B bytes; a bare number is "
                "MiB; any case); replacing the size's; within the template's maximum; refused "
                "where the storage pool cannot limit it",
    },
    [CT_P_HTTP_PORT] = {
        .wire = "http_port", .flag = "http-port", .env = "CT_HTTP_PORT", .metavar = "PORT",
        .type = CT_PARAM_INT, .min = 1, .max = 65535,
        .rule = "a port number, 1 to 65535",
        .help = "1-65535: the port your app listens on inside; NAME.DOMAIN is routed to it "
                "(default 80)",
    },
    [CT_P_PROTOCOLS] = {
        .wire = "protocols", .flag = "protocol", .env = "CT_PROTOCOLS", .metavar = "NAME",
        .type = CT_PARAM_LIST, .max = PROTOCOLS_PER_CREATE_MAX,
        .valid = valid_protocol, .item = "protocol",
        .rule = "not a protocol name: a-z, 0-9, '.', '_', '-'; comma-separated",
        .help = "an extra protocol from the gateway's list (see: protocols), each gets its "
                "own external port; repeatable (CT_PROTOCOLS=a,b)",
    },
    [CT_P_EXPIRES] = {
        .wire = "expires_in", .flag = "expires", .env = "CT_EXPIRES", .metavar = "TIME",
        .type = CT_PARAM_DURATION, .min = 0, .max = UNITS_SECONDS_MAX,
        .rule = "a duration like 30m, 12h, 7d or 2w, or \"never\"",
        .help = "stop the container after 30m, 12h, 7d, 2w ... and delete it a grace period "
                "later; \"never\" where allowed (default and maximum: the admin's)",
    },
    [CT_P_REQUEST_ID] = {
        .wire = "request_id", .flag = "request-id", .env = "CT_REQUEST_ID", .metavar = "ID",
        .type = CT_PARAM_TEXT, .valid = validate_request_id, .wire_err = CT_ERR_BAD_REQUEST,
        .rule = "8 to 64 of A-Z, a-z, 0-9, '-' and '_', starting with a letter or digit",
        .help = "makes the create idempotent: sending it again returns the first result "
                "(without the root password) instead of a second container; 8-64 of "
                "A-Z a-z 0-9 - _ (default: a new random id)",
    },
    [CT_P_DESCRIPTION] = {
        .wire = "description", .flag = "description", .env = "CT_DESCRIPTION",
        .metavar = "TEXT", .type = CT_PARAM_TEXT, .valid = valid_description,
        .wire_err = CT_ERR_BAD_REQUEST,
        .rule = "a description: 1 to " STR(CT_DESCRIPTION_MAX)
                " bytes of printable UTF-8, no control characters",
        .help = "a note for yourself, shown by list --json and info: 1 to 200 bytes of "
                "printable UTF-8 (no tabs, newlines or other control characters); never asked",
    },
    [CT_P_REPO] = {
        .wire = "repo", .flag = "repo", .env = "CT_REPO", .metavar = "URL",
        .type = CT_PARAM_TEXT, .valid = validate_repo_syntax, .wire_err = CT_ERR_BAD_REQUEST,
        .rule = "not a repository URL: https://HOST/PATH, at most " STR(CT_REPO_URL_MAX)
                " characters, no spaces or quotes",
        .help = "a public git repository (https://) to deploy into the container: cloned as "
                "you, built and run as a service; checked before anything is created",
    },
    [CT_P_BRANCH] = {
        .wire = "branch", .flag = "branch", .env = "CT_BRANCH", .metavar = "NAME",
        .type = CT_PARAM_TEXT, .valid = validate_git_branch, .wire_err = CT_ERR_BAD_REQUEST,
        .rule = "not a branch name: 1 to " STR(CT_BRANCH_MAX)
                " of A-Z, a-z, 0-9, '.', '_', '/', '-'",
        .help = "the branch to deploy (default: the repository's default branch)",
    },
    [CT_P_APP_ROOT] = {
        .wire = "root", .flag = "root", .env = "CT_ROOT", .metavar = "DIR",
        .type = CT_PARAM_TEXT, .valid = validate_app_root, .wire_err = CT_ERR_BAD_REQUEST,
        .rule = "not a directory of the repository: relative, no '..', at most "
                STR(CT_APP_ROOT_MAX) " characters",
        .help = "the app's directory inside the repository, where the commands run and .env "
                "is written (default: the top)",
    },
    [CT_P_RUNTIME] = {
        .wire = "runtime", .flag = "runtime", .env = "CT_RUNTIME", .metavar = "NAME@VERSION",
        .type = CT_PARAM_TEXT, .valid = validate_runtime, .wire_err = CT_ERR_BAD_REQUEST,
        .rule = "not a runtime: NAME@VERSION like nodejs@18 or python@3.11 (see: templates)",
        .help = "a runtime the template offers, e.g. nodejs@18 (see: templates); a check, "
                "nothing is installed at create time",
    },
    [CT_P_INSTALL] = {
        .wire = "install", .flag = "install", .env = "CT_INSTALL", .metavar = "COMMAND",
        .type = CT_PARAM_TEXT, .valid = validate_command, .wire_err = CT_ERR_BAD_REQUEST,
        .rule = "a command: 1 to " STR(CT_COMMAND_MAX) " bytes on one line",
        .help = "run in the app's directory after the clone, as you, e.g. \"npm ci\"; its "
                "output is shown live",
    },
    [CT_P_BUILD] = {
        .wire = "build", .flag = "build", .env = "CT_BUILD", .metavar = "COMMAND",
        .type = CT_PARAM_TEXT, .valid = validate_command, .wire_err = CT_ERR_BAD_REQUEST,
        .rule = "a command: 1 to " STR(CT_COMMAND_MAX) " bytes on one line",
        .help = "run after install, as you, e.g. \"npm run build\"",
    },
    [CT_P_START] = {
        .wire = "start", .flag = "start", .env = "CT_START", .metavar = "COMMAND",
        .type = CT_PARAM_TEXT, .valid = validate_command, .wire_err = CT_ERR_BAD_REQUEST,
        .rule = "a command: 1 to " STR(CT_COMMAND_MAX) " bytes on one line",
        .help = "the app itself, run as you by the systemd unit ctgate-app.service (restarted "
                "when it fails, started at boot); needs --repo",
    },
    [CT_P_ENV] = {
        .wire = "env", .flag = "env", .env = "CT_ENV", .metavar = "KEY=VALUE",
        .type = CT_PARAM_LIST, .max = CT_ENV_MAX, .sep = '\n', .secret_values = true,
        .valid = validate_env_item, .item = "variable",
        .rule = "not KEY=VALUE: a key of A-Z, a-z, 0-9, '_' (not starting with a digit, at "
                "most " STR(CT_ENV_KEY_MAX) "), a value of at most " STR(CT_ENV_VALUE_MAX)
                " bytes on one line",
        .help = "a variable for the app, written as it is to .env (mode 0600) and given to "
                "its service; repeatable (CT_ENV: one KEY=VALUE per line); values are never "
                "logged",
    },
    [CT_P_SERVICES] = {
        .wire = "services", .flag = "service", .env = "CT_SERVICES", .metavar = "NAME",
        .type = CT_PARAM_LIST, .max = CT_SERVICES_MAX,
        .valid = validate_service_name, .item = "service",
        .rule = "not a service name: a-z, 0-9 and '-'; comma-separated",
        .help = "a service the template offers (see: templates), e.g. postgresql or redis: "
                "started, with its own database and password, which the app finds in .env "
                "(DATABASE_URL, REDIS_URL); repeatable (CT_SERVICES=a,b)",
    },
};
/* clang-format on */

const struct ct_param_def *ct_param_by_wire(const char *name)
{
    for (size_t i = 0; i < CT_P_COUNT; i++) {
        if (strcmp(ct_params[i].wire, name) == 0) {
            return &ct_params[i];
        }
    }
    return NULL;
}

/* --- people's text --------------------------------------------------------- */

/* The key's canonical line (type, base64, cleaned comment) in a new string. */
static char *canonical_key(const char *line, size_t len, const char **why)
{
    struct pubkey key;
    char *out = NULL;
    if (!pubkey_parse(line, len, &key, why)) {
        return NULL;
    }
    out = malloc(PUBKEY_LINE_MAX + 1);
    if (out == NULL || !pubkey_format(&key, out, PUBKEY_LINE_MAX + 1)) {
        *why = "key too long";
        free(out);
        out = NULL;
    }
    pubkey_free(&key);
    return out;
}

/* A whole decimal number in [min, max]; no sign, no spaces. */
static bool parse_int(const char *s, long long min, long long max, long long *out)
{
    char *end = NULL;
    if (!isdigit((unsigned char)s[0])) {
        return false;
    }
    long long n = strtoll(s, &end, 10);
    if (*end != '\0' || n < min || n > max) {
        return false;
    }
    *out = n;
    return true;
}

/* The number a person's INT, SIZE or DURATION text stands for. */
static bool parse_number(const struct ct_param_def *d, const char *s, long long *out)
{
    long long n = 0;
    switch (d->type) {
    case CT_PARAM_INT:
        return parse_int(s, d->min, d->max, out);
    case CT_PARAM_SIZE:
        if (!units_parse_size(s, &n) || n < d->min || n > d->max) {
            return false;
        }
        break;
    case CT_PARAM_DURATION:
        if (strcmp(s, "never") == 0) {
            n = 0;
        } else if (!units_parse_duration(s, &n) || n == 0 || n > d->max) {
            return false;
        }
        break;
    default:
        return false;
    }
    *out = n;
    return true;
}

static bool has_item(const struct ct_param_value *v, char **more, size_t nmore, const char *s)
{
    for (size_t i = 0; i < v->nitems; i++) {
        if (v->items[i] != NULL && strcmp(v->items[i], s) == 0) {
            return true;
        }
    }
    for (size_t i = 0; i < nmore; i++) {
        if (strcmp(more[i], s) == 0) {
            return true;
        }
    }
    return false;
}

/* "a,b,c" added to out's items: each valid, none twice, at most d->max in all. */
static bool list_from_text(const struct ct_param_def *d, const char *text,
                           struct ct_param_value *out, char *why, size_t whylen)
{
    char *copy = strdup(text);
    char **more = NULL;
    size_t nmore = 0;
    char *save = NULL;
    bool ok = false;
    if (copy == NULL) {
        snprintf(why, whylen, "out of memory");
        goto out;
    }
    const char sep[2] = {(char)(d->sep != 0 ? d->sep : ','), '\0'};
    for (char *w = strtok_r(copy, sep, &save); w != NULL; w = strtok_r(NULL, sep, &save)) {
        if (!d->valid(w)) {
            snprintf(why, whylen, "%s", d->rule);
            goto out;
        }
        if (has_item(out, more, nmore, w)) {
            snprintf(why, whylen, "%s %s named twice", d->item, w);
            goto out;
        }
        if ((long long)out->nitems + (long long)nmore >= d->max) {
            snprintf(why, whylen, "at most %lld %ss", d->max, d->item);
            goto out;
        }
        char **grown = realloc(more, (nmore + 1) * sizeof(*more));
        char *item = strdup(w);
        if (grown == NULL || item == NULL) {
            free(item);
            more = grown != NULL ? grown : more;
            snprintf(why, whylen, "out of memory");
            goto out;
        }
        more = grown;
        more[nmore++] = item;
    }
    char **all = realloc(out->items, (out->nitems + nmore + 1) * sizeof(*all));
    if (all == NULL) {
        snprintf(why, whylen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nmore; i++) {
        all[out->nitems++] = more[i];
    }
    nmore = 0;
    out->items = all;
    out->set = true;
    ok = true;
out:
    for (size_t i = 0; i < nmore; i++) {
        free(more[i]);
    }
    free(more);
    free(copy);
    return ok;
}

bool ct_param_from_text(enum ct_param_id id, const char *text, struct ct_param_value *out,
                        char *why, size_t whylen)
{
    const struct ct_param_def *d = &ct_params[id];
    const char *reason = NULL;
    char *value = NULL;
    long long n = 0;
    if (d->type == CT_PARAM_LIST) {
        return list_from_text(d, text, out, why, whylen);
    }
    if (d->type == CT_PARAM_PUBKEY) {
        value = canonical_key(text, strlen(text), &reason);
        if (value == NULL) {
            snprintf(why, whylen, "%s: %s", d->rule, reason);
            return false;
        }
    } else {
        value = strdup(text);
        if (value == NULL) {
            snprintf(why, whylen, "out of memory");
            return false;
        }
        for (char *p = value; d->lower && *p != '\0'; p++) {
            *p = (char)tolower((unsigned char)*p);
        }
        bool ok = d->type == CT_PARAM_TEXT ? d->valid(value) : parse_number(d, value, &n);
        if (!ok) {
            snprintf(why, whylen, "%s", d->rule);
            free(value);
            return false;
        }
    }
    ct_param_value_free(out);
    out->set = true;
    out->text = value;
    out->number = n;
    return true;
}

/* --- the agent: the request's values, checked again ----------------------- */

static enum ct_err bad(struct ct_error *err, const char *what, const char *field)
{
    return ct_error_set(err, CT_ERR_BAD_REQUEST, "%s '%s'", what, field);
}

static enum ct_err text_from_json(const struct ct_param_def *d, json_t *json,
                                  struct ct_param_value *out, struct ct_error *err)
{
    if (!json_is_string(json)) {
        return bad(err, "wrong type for", d->wire);
    }
    const char *s = json_string_value(json);
    size_t n = json_string_length(json);
    const char *why = NULL;
    if (d->type == CT_PARAM_PUBKEY) {
        out->text = canonical_key(s, n, &why);
        if (out->text == NULL) {
            return ct_error_set(err, d->wire_err, "%s", why);
        }
        return CT_OK;
    }
    if (strlen(s) != n || !d->valid(s)) {
        return d->wire_err == CT_ERR_BAD_REQUEST ? bad(err, "invalid value for", d->wire)
                                                 : ct_error_set(err, d->wire_err, NULL);
    }
    out->text = strdup(s);
    return out->text != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}

static enum ct_err list_from_json(const struct ct_param_def *d, json_t *json,
                                  struct ct_param_value *out, struct ct_error *err)
{
    size_t i;
    json_t *item;
    if (!json_is_array(json) || (long long)json_array_size(json) > d->max) {
        return bad(err, "invalid value for", d->wire);
    }
    out->items = calloc(json_array_size(json) + 1, sizeof(*out->items));
    if (out->items == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    json_array_foreach (json, i, item) {
        const char *s = json_string_value(item);
        if (s == NULL || strlen(s) != json_string_length(item) || !d->valid(s)) {
            return bad(err, "invalid value for", d->wire);
        }
        if (has_item(out, NULL, 0, s)) {
            return bad(err, "duplicate name in", d->wire);
        }
        out->items[out->nitems] = strdup(s);
        if (out->items[out->nitems] == NULL) {
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
        out->nitems++;
    }
    return CT_OK;
}

enum ct_err ct_param_from_json(enum ct_param_id id, json_t *json, struct ct_param_value *out,
                               struct ct_error *err)
{
    const struct ct_param_def *d = &ct_params[id];
    enum ct_err rc = CT_OK;
    memset(out, 0, sizeof(*out));
    if (json == NULL) {
        return CT_OK;
    }
    switch (d->type) {
    case CT_PARAM_TEXT:
    case CT_PARAM_PUBKEY:
        rc = text_from_json(d, json, out, err);
        break;
    case CT_PARAM_LIST:
        rc = list_from_json(d, json, out, err);
        break;
    default:
        if (!json_is_integer(json) || json_integer_value(json) < d->min ||
            json_integer_value(json) > d->max) {
            rc = ct_error_set(err, CT_ERR_BAD_VALUE, "%s must be %lld..%lld", d->wire, d->min,
                              d->max);
        } else {
            out->number = json_integer_value(json);
        }
        break;
    }
    if (rc != CT_OK) {
        ct_param_value_free(out);
        return rc;
    }
    out->set = true;
    return CT_OK;
}

/* --- into JSON ------------------------------------------------------------ */

/* The items; keys_only: of KEY=VALUE items only KEY (values may be secrets). */
static json_t *list_json(const struct ct_param_value *v, bool keys_only)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < v->nitems; i++) {
        size_t len = keys_only ? strcspn(v->items[i], "=") : strlen(v->items[i]);
        if (json_array_append_new(arr, json_stringn(v->items[i], len)) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

int ct_params_to_json(const struct ct_param_value *values, enum ct_param_json mode, json_t *obj)
{
    for (size_t i = 0; i < CT_P_COUNT; i++) {
        const struct ct_param_def *d = &ct_params[i];
        const struct ct_param_value *v = &values[i];
        char key[64];
        json_t *j = NULL;
        snprintf(key, sizeof(key), "%s", d->wire);
        if (!v->set || (d->type == CT_PARAM_LIST && v->nitems == 0)) {
            continue;
        }
        switch (d->type) {
        case CT_PARAM_TEXT:
            j = json_string(v->text);
            break;
        case CT_PARAM_PUBKEY:
            if (mode == CT_PARAM_JSON_AUDIT) {
                struct pubkey key_of;
                const char *why = NULL;
                char fp[PUBKEY_FINGERPRINT_LEN];
                if (!pubkey_parse(v->text, strlen(v->text), &key_of, &why)) {
                    continue;
                }
                pubkey_fingerprint(&key_of, fp);
                pubkey_free(&key_of);
                snprintf(key, sizeof(key), "%s_fingerprint", d->wire);
                j = json_string(fp);
            } else {
                j = json_string(v->text);
            }
            break;
        case CT_PARAM_LIST:
            j = list_json(v, mode == CT_PARAM_JSON_AUDIT && d->secret_values);
            break;
        default:
            j = json_integer(v->number);
            break;
        }
        if (json_object_set_new(obj, key, j) != 0) {
            return -1;
        }
    }
    return 0;
}

/* --- values --------------------------------------------------------------- */

const char *ct_param_text(const struct ct_param_value *v)
{
    return v->set && v->text != NULL ? v->text : "";
}

long long ct_param_number(const struct ct_param_value *v)
{
    return v->set ? v->number : 0;
}

void ct_param_value_free(struct ct_param_value *v)
{
    free(v->text);
    for (size_t i = 0; i < v->nitems; i++) {
        free(v->items[i]);
    }
    free(v->items);
    memset(v, 0, sizeof(*v));
}

void ct_param_values_free(struct ct_param_value *values, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ct_param_value_free(&values[i]);
    }
}
