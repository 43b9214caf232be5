/* create-checks.c - the rule each create value must pass at the gateway; see create-parts.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "create-params.h"
#include "create-parts.h"
#include "output.h"
#include "protocols.h"
#include "strcopy.h"
#include "units.h"
#include "validate.h"

/* --- checks: normalise in place, or say why not ------------------------- */

bool create_check_hostname(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    for (char *p = value; *p != '\0'; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    if (!validate_hostname(value)) {
        snprintf(why, len,
                 "not a hostname: 1 to %d of a-z, 0-9 and '-', not starting or ending with '-'",
                 CT_HOSTNAME_MAX);
        return false;
    }
    return true;
}

bool create_check_template(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    if (!validate_name(value, CT_TEMPLATE_MAX)) {
        snprintf(why, len, "not a template name");
        return false;
    }
    return true;
}

bool create_check_pubkey(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    struct pubkey key;
    const char *reason = NULL;
    if (!pubkey_parse(value, strlen(value), &key, &reason)) {
        snprintf(why, len, "not a usable public key: %s", reason);
        return false;
    }
    /* Store the canonical form: type, base64, cleaned comment. */
    bool ok = pubkey_format(&key, value, strlen(value) + 1);
    pubkey_free(&key);
    if (!ok) {
        snprintf(why, len, "not a usable public key");
    }
    return ok;
}

bool create_check_size(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    if (!validate_name(value, CT_SIZE_NAME_MAX)) {
        snprintf(why, len, "not a size name (see: templates)");
        return false;
    }
    return true;
}

bool create_check_cpu(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    char *end = NULL;
    long n = strtol(value, &end, 10);
    if (!isdigit((unsigned char)value[0]) || *end != '\0' || n < 1 || n > CT_CPU_MAX) {
        snprintf(why, len, "a number of CPUs, 1 to %d", CT_CPU_MAX);
        return false;
    }
    return true;
}

static bool check_mib(const char *value, long long min, char *why, size_t len)
{
    long long mib = 0;
    if (!units_parse_mib(value, &mib) || mib < min) {
        snprintf(why, len, "a size like 512MiB or 2GiB, at least %lldMiB", min);
        return false;
    }
    return true;
}

bool create_check_memory(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    return check_mib(value, CT_MEMORY_MIN_MIB, why, len);
}

bool create_check_disk(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    return check_mib(value, CT_DISK_MIN_MIB, why, len);
}

bool create_check_port(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    char *end = NULL;
    long n = strtol(value, &end, 10);
    if (!isdigit((unsigned char)value[0]) || *end != '\0' || n < 1 || n > 65535) {
        snprintf(why, len, "a port number, 1 to 65535");
        return false;
    }
    return true;
}

bool create_check_expires(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    long long seconds = 0;
    if (strcmp(value, "never") != 0 && (!units_parse_duration(value, &seconds) || seconds == 0)) {
        snprintf(why, len, "a duration like 30m, 12h, 7d or 2w, or \"never\"");
        return false;
    }
    return true;
}

bool create_check_request_id(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    if (!validate_request_id(value)) {
        snprintf(why, len,
                 "8 to 64 of A-Z, a-z, 0-9, '-' and '_', starting with a letter or digit");
        return false;
    }
    return true;
}

/* "a,b,c": names of the protocol catalogue, unique, at most 16; "" means none. */
bool create_check_protocols(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    char copy[PARAM_VALUE_MAX];
    char *names[PROTOCOLS_PER_CREATE_MAX + 1];
    size_t n = 0;
    char *save = NULL;
    if (!str_copy(copy, sizeof(copy), value)) {
        snprintf(why, len, "too long");
        return false;
    }
    for (char *w = strtok_r(copy, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
        if (!validate_name(w, PROTOCOL_NAME_MAX)) {
            snprintf(why, len, "not a protocol name: a-z, 0-9, '.', '_', '-'; comma-separated");
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            if (strcmp(names[i], w) == 0) {
                snprintf(why, len, "protocol %s named twice", w);
                return false;
            }
        }
        if (n == PROTOCOLS_PER_CREATE_MAX) {
            snprintf(why, len, "at most %d protocols", PROTOCOLS_PER_CREATE_MAX);
            return false;
        }
        names[n++] = w;
    }
    return true;
}

/* Ask the agent, while the person is still at the prompt, whether the value would do. */
static bool ask_agent(struct session *s, const char *field, const char *value, char *why,
                      size_t len)
{
    struct ct_error err = {0};
    json_t *result = NULL;
    json_t *req = session_request(s, "check");
    json_object_set_new(req, field, json_string(value));
    enum ct_err rc = session_call(s, req, NULL, &result, &err);
    json_decref(req);
    if (rc != CT_OK) {
        return true; /* cannot ask now: the create itself will decide */
    }
    bool ok = json_is_true(json_object_get(result, "ok"));
    if (!ok) {
        const char *msg =
            json_string_value(json_object_get(json_object_get(result, "error"), "message"));
        snprintf(why, len, "%s", msg != NULL ? msg : "refused by the agent");
    }
    json_decref(result);
    return ok;
}

bool create_live_hostname(struct session *s, const struct param_values *so_far, const char *value,
                          char *why, size_t len)
{
    (void)so_far;
    return ask_agent(s, "hostname", value, why, len);
}

bool create_live_template(struct session *s, const struct param_values *so_far, const char *value,
                          char *why, size_t len)
{
    (void)so_far;
    return ask_agent(s, "template", value, why, len);
}

/* At the prompt: a size the chosen template offers (when the catalog says). */
bool create_live_size(struct session *s, const struct param_values *so_far, const char *value,
                      char *why, size_t len)
{
    json_t *offered = json_object_get(session_catalog_template(s, so_far->v[P_TEMPLATE]), "sizes");
    size_t i;
    json_t *name;
    if (!json_is_array(offered)) {
        return true; /* nothing to go by: the agent decides */
    }
    json_array_foreach (offered, i, name) {
        const char *n = json_string_value(name);
        if (n != NULL && strcmp(n, value) == 0) {
            return true;
        }
    }
    char t[40];
    snprintf(why, len, "size %s is not offered by template %s", value,
             output_clean(so_far->v[P_TEMPLATE], t, sizeof(t)));
    return false;
}
