/* create-params.c - see create-params.h. */
#include "create-params.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "prompt.h"
#include "protocols.h"
#include "strcopy.h"
#include "units.h"
#include "validate.h"

#define CPU_MAX 1024
#define MEMORY_MIN_MIB 32
#define DISK_MIN_MIB 256

/* --- checks: normalise in place, or say why not ------------------------- */

static bool check_hostname(struct session *s, char *value, char *why, size_t len)
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

static bool check_template(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    if (!validate_name(value, CT_TEMPLATE_MAX)) {
        snprintf(why, len, "not a template name");
        return false;
    }
    return true;
}

static bool check_pubkey(struct session *s, char *value, char *why, size_t len)
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

static bool check_size(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    if (!validate_name(value, 32)) {
        snprintf(why, len, "not a size name (see: templates)");
        return false;
    }
    return true;
}

static bool check_cpu(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    char *end = NULL;
    long n = strtol(value, &end, 10);
    if (!isdigit((unsigned char)value[0]) || *end != '\0' || n < 1 || n > CPU_MAX) {
        snprintf(why, len, "a number of CPUs, 1 to %d", CPU_MAX);
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

static bool check_memory(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    return check_mib(value, MEMORY_MIN_MIB, why, len);
}

static bool check_disk(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    return check_mib(value, DISK_MIN_MIB, why, len);
}

static bool check_port(struct session *s, char *value, char *why, size_t len)
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

static bool check_expires(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    long long seconds = 0;
    if (strcmp(value, "never") != 0 && (!units_parse_duration(value, &seconds) || seconds == 0)) {
        snprintf(why, len, "a duration like 30m, 12h, 7d or 2w, or \"never\"");
        return false;
    }
    return true;
}

static bool check_request_id(struct session *s, char *value, char *why, size_t len)
{
    (void)s;
    if (!validate_request_id(value)) {
        snprintf(why, len, "8 to 64 of A-Z, a-z, 0-9, '-' and '_', starting with a letter or digit");
        return false;
    }
    return true;
}

/* "a,b,c": names of the protocol catalogue, unique, at most 16; "" means none. */
static bool check_protocols(struct session *s, char *value, char *why, size_t len)
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
        const char *msg = json_string_value(json_object_get(json_object_get(result, "error"),
                                                            "message"));
        snprintf(why, len, "%s", msg != NULL ? msg : "refused by the agent");
    }
    json_decref(result);
    return ok;
}

static bool live_hostname(struct session *s, const struct param_values *so_far,
                          const char *value, char *why, size_t len)
{
    (void)so_far;
    return ask_agent(s, "hostname", value, why, len);
}

static bool live_template(struct session *s, const struct param_values *so_far,
                          const char *value, char *why, size_t len)
{
    (void)so_far;
    return ask_agent(s, "template", value, why, len);
}

/* At the prompt: a size the chosen template offers (when the catalog says). */
static bool live_size(struct session *s, const struct param_values *so_far, const char *value,
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

/* --- defaults and menus (only once logged in: the catalog is the agent's) --- */

static const char *str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static void default_template(struct session *s, const struct param_values *so_far, char *out,
                             size_t len, char *shown, size_t shownlen)
{
    (void)so_far;
    snprintf(out, len, "%s", s->cfg.default_template);
    snprintf(shown, shownlen, "%s", s->cfg.default_template);
}

static void default_pubkey(struct session *s, const struct param_values *so_far, char *out,
                           size_t len, char *shown, size_t shownlen)
{
    (void)so_far;
    out[0] = '\0';
    if (s->has_login_key && pubkey_format(&s->login_key, out, len)) {
        snprintf(shown, shownlen, "the key you logged in with, %s", s->key_fingerprint);
    }
}

static void default_size(struct session *s, const struct param_values *so_far, char *out,
                         size_t len, char *shown, size_t shownlen)
{
    const char *size = s->authenticated
                           ? str(session_catalog_template(s, so_far->v[P_TEMPLATE]), "size")
                           : NULL;
    if (size != NULL && validate_name(size, 32)) {
        snprintf(out, len, "%s", size);
        snprintf(shown, shownlen, "%s", size);
    }
}

static void default_http_port(struct session *s, const struct param_values *so_far, char *out,
                              size_t len, char *shown, size_t shownlen)
{
    (void)so_far;
    json_int_t port = s->authenticated
                          ? json_integer_value(json_object_get(
                                json_object_get(session_catalog(s), "http"), "default_port"))
                          : 0;
    if (port > 0 && port <= 65535) {
        snprintf(out, len, "%lld", (long long)port);
        snprintf(shown, shownlen, "%lld", (long long)port);
    }
}

static void default_expires(struct session *s, const struct param_values *so_far, char *out,
                            size_t len, char *shown, size_t shownlen)
{
    (void)so_far;
    if (!s->authenticated || session_catalog(s) == NULL) {
        return;
    }
    json_t *expiry = json_object_get(session_catalog(s), "expiry");
    json_int_t def = json_integer_value(json_object_get(expiry, "default"));
    json_int_t max = json_integer_value(json_object_get(expiry, "max"));
    if (def > 0) {
        units_format_duration(def, out, len);
    } else {
        snprintf(out, len, "never");
    }
    if (max > 0) {
        char m[32];
        units_format_duration(max, m, sizeof(m));
        snprintf(shown, shownlen, "%s; at most %s", out, m);
    } else {
        snprintf(shown, shownlen, "%s", out);
    }
}

/* Index (1-based) of a menu answer, or 0 when it is not a number. */
static size_t menu_number(const char *answer)
{
    if (answer[0] == '\0' || strspn(answer, "0123456789") != strlen(answer) || strlen(answer) > 3) {
        return 0;
    }
    return (size_t)strtoul(answer, NULL, 10);
}

static void menu_templates(struct session *s, const struct param_values *so_far)
{
    (void)so_far;
    size_t i;
    json_t *t;
    json_t *list = json_object_get(session_catalog(s), "templates");
    if (json_array_size(list) == 0) {
        return;
    }
    fprintf(stderr, "Templates:\n");
    json_array_foreach (list, i, t) {
        char n[40];
        char d[120];
        fprintf(stderr, "  %zu) %-16s %s\n", i + 1, output_clean(str(t, "name"), n, sizeof(n)),
                output_clean(str(t, "description"), d, sizeof(d)));
    }
}

static void pick_template(struct session *s, const struct param_values *so_far, char *answer,
                          size_t len)
{
    (void)so_far;
    size_t k = menu_number(answer);
    const char *name = k > 0 ? str(json_array_get(json_object_get(session_catalog(s), "templates"),
                                                  k - 1),
                                   "name")
                             : NULL;
    if (name != NULL) {
        snprintf(answer, len, "%s", name);
    }
}

/* "1 CPU, 128MiB memory, 1GiB disk" for a catalog size. */
static void describe_size(json_t *size, char *buf, size_t len)
{
    char m[32];
    char d[32];
    json_int_t cpu = json_integer_value(json_object_get(size, "cpu"));
    snprintf(buf, len, "%lld CPU%s, %s memory, %s disk", (long long)cpu, cpu == 1 ? "" : "s",
             output_clean(str(size, "memory"), m, sizeof(m)) != NULL ? m : "any",
             output_clean(str(size, "disk"), d, sizeof(d)) != NULL ? d : "any");
}

static json_t *catalog_size(struct session *s, const char *name)
{
    size_t i;
    json_t *size;
    json_array_foreach (json_object_get(session_catalog(s), "sizes"), i, size) {
        const char *n = str(size, "name");
        if (n != NULL && name != NULL && strcmp(n, name) == 0) {
            return size;
        }
    }
    return NULL;
}

static void menu_sizes(struct session *s, const struct param_values *so_far)
{
    json_t *offered = json_object_get(session_catalog_template(s, so_far->v[P_TEMPLATE]), "sizes");
    size_t i;
    json_t *name;
    if (json_array_size(offered) == 0) {
        return;
    }
    fprintf(stderr, "Sizes:\n");
    json_array_foreach (offered, i, name) {
        char n[40];
        char d[128];
        describe_size(catalog_size(s, json_string_value(name)), d, sizeof(d));
        fprintf(stderr, "  %zu) %-8s %s\n", i + 1,
                output_clean(json_string_value(name), n, sizeof(n)), d);
    }
}

static void pick_size(struct session *s, const struct param_values *so_far, char *answer,
                      size_t len)
{
    size_t k = menu_number(answer);
    json_t *offered = json_object_get(session_catalog_template(s, so_far->v[P_TEMPLATE]), "sizes");
    const char *name = k > 0 ? json_string_value(json_array_get(offered, k - 1)) : NULL;
    if (name != NULL) {
        snprintf(answer, len, "%s", name);
    }
}

static void menu_protocols(struct session *s, const struct param_values *so_far)
{
    (void)so_far;
    size_t i;
    json_t *p;
    json_t *list = json_object_get(session_catalog(s), "protocols");
    if (json_array_size(list) == 0) {
        return;
    }
    fprintf(stderr, "Extra protocols (each gets its own external port):\n");
    json_array_foreach (list, i, p) {
        char n[40];
        char t[8];
        fprintf(stderr, "  %zu) %-16s port %lld/%s\n", i + 1,
                output_clean(str(p, "name"), n, sizeof(n)),
                (long long)json_integer_value(json_object_get(p, "port")),
                output_clean(str(p, "transport"), t, sizeof(t)));
    }
}

/* "1,3" -> "echo,ssh-alt": numbers of the menu become names; names stay. */
static void pick_protocols(struct session *s, const struct param_values *so_far, char *answer,
                           size_t len)
{
    (void)so_far;
    char copy[PROMPT_LINE_MAX + 1];
    char out[PROMPT_LINE_MAX + 1] = "";
    size_t used = 0;
    char *save = NULL;
    json_t *list = json_object_get(session_catalog(s), "protocols");
    snprintf(copy, sizeof(copy), "%s", answer);
    for (char *w = strtok_r(copy, ", ", &save); w != NULL; w = strtok_r(NULL, ", ", &save)) {
        size_t k = menu_number(w);
        const char *name = k > 0 ? str(json_array_get(list, k - 1), "name") : NULL;
        int n = snprintf(out + used, sizeof(out) - used, "%s%s", used ? "," : "",
                         name != NULL ? name : w);
        if (n < 0 || (size_t)n >= sizeof(out) - used) {
            return; /* too long: leave the answer alone, the check explains */
        }
        used += (size_t)n;
    }
    snprintf(answer, len, "%s", out);
}

/* --- the table ------------------------------------------------------------ */

const struct param_def create_params[P_COUNT] = {
    [P_HOSTNAME] = {"hostname", "CT_HOSTNAME", "Hostname", true, false, check_hostname,
                    live_hostname, NULL, NULL, NULL},
    [P_TEMPLATE] = {"template", "CT_TEMPLATE", "Template (name or number)", true, false,
                    check_template, live_template, default_template, menu_templates,
                    pick_template},
    [P_PUBKEY] = {"pubkey", "CT_PUBKEY", "Public key", true, false, check_pubkey, NULL,
                  default_pubkey, NULL, NULL},
    [P_SIZE] = {"size", "CT_SIZE", "Size (name or number)", false, false, check_size, live_size,
                default_size, menu_sizes, pick_size},
    [P_CPU] = {"cpu", "CT_CPU", NULL, false, false, check_cpu, NULL, NULL, NULL, NULL},
    [P_MEMORY] = {"memory", "CT_MEMORY", NULL, false, false, check_memory, NULL, NULL, NULL,
                  NULL},
    [P_DISK] = {"disk", "CT_DISK", NULL, false, false, check_disk, NULL, NULL, NULL, NULL},
    [P_HTTP_PORT] = {"http-port", "CT_HTTP_PORT", "HTTP port your app listens on", false, false,
                     check_port, NULL, default_http_port, NULL, NULL},
    [P_PROTOCOLS] = {"protocol", "CT_PROTOCOLS",
                     "Extra protocols (names or numbers, comma-separated; empty for none)", false,
                     true, check_protocols, NULL, NULL, menu_protocols, pick_protocols},
    [P_EXPIRES] = {"expires", "CT_EXPIRES", "Expires after (30m, 12h, 7d, 2w or never)", false,
                   false, check_expires, NULL, default_expires, NULL, NULL},
    [P_REQUEST_ID] = {"request-id", "CT_REQUEST_ID", NULL, false, false, check_request_id, NULL,
                      NULL, NULL, NULL},
};

const struct flag_def create_flags[] = {
    {"hostname", "CT_HOSTNAME", "NAME",
     "the container's name: an RFC 1123 label (a-z, 0-9, '-', at most 63), lower-cased; "
     "must not be reserved or taken", false},
    {"template", "CT_TEMPLATE", "NAME",
     "the template to build from (default: the gateway's; see: templates)", false},
    {"pubkey", "CT_PUBKEY", "KEY",
     "the OpenSSH public key to install (default: the key you logged in with)", false},
    {"size", "CT_SIZE", "NAME",
     "a size the template offers, e.g. small, medium, large (default: the template's; "
     "see: templates)", false},
    {"cpu", "CT_CPU", "N", "CPUs, 1-1024, replacing the size's; within the template's maximum",
     false},
    {"memory", "CT_MEMORY", "SIZE",
     "memory limit like 512MiB or 2GiB (at least 32MiB), replacing the size's; within the "
     "template's maximum and your memory quota", false},
    {"disk", "CT_DISK", "SIZE",
     "root disk size like 10GiB (at least 256MiB), replacing the size's; within the template's "
     "maximum; refused where the storage pool cannot limit it", false},
    {"http-port", "CT_HTTP_PORT", "PORT",
     "1-65535: the port your app listens on inside; NAME.DOMAIN is routed to it (default 80)",
     false},
    {"protocol", "CT_PROTOCOLS", "NAME",
     "an extra protocol from the gateway's list (see: protocols), each gets its own external "
     "port; repeatable (CT_PROTOCOLS=a,b)", true},
    {"expires", "CT_EXPIRES", "TIME",
     "stop the container after 30m, 12h, 7d, 2w ... and delete it a grace period later; "
     "\"never\" where allowed (default and maximum: the admin's)", false},
    {"request-id", "CT_REQUEST_ID", "ID",
     "makes the create idempotent: sending it again returns the first result (without the root "
     "password) instead of a second container; 8-64 of A-Z a-z 0-9 - _ (default: a new random id)",
     false},
    {NULL, NULL, NULL, NULL, false},
};

/* --- into the request ----------------------------------------------------- */

static int add_protocols(json_t *req, const char *list)
{
    if (list == NULL || list[0] == '\0') {
        return 0;
    }
    json_t *arr = json_array();
    char copy[PARAM_VALUE_MAX];
    char *save = NULL;
    snprintf(copy, sizeof(copy), "%s", list);
    for (char *w = strtok_r(copy, ",", &save); arr != NULL && w != NULL;
         w = strtok_r(NULL, ",", &save)) {
        json_array_append_new(arr, json_string(w));
    }
    return json_object_set_new(req, "protocols", arr);
}

static int add_int(json_t *req, const char *field, long long value)
{
    return json_object_set_new(req, field, json_integer(value));
}

/* A value its check already proved to be a decimal number in range. */
static long long number(const char *checked)
{
    return strtoll(checked, NULL, 10);
}

int create_params_to_request(const struct param_values *values, json_t *req)
{
    const char *const *v = (const char *const *)values->v;
    long long n = 0;
    int bad = json_object_set_new(req, "hostname", json_string(v[P_HOSTNAME])) ||
              json_object_set_new(req, "template", json_string(v[P_TEMPLATE])) ||
              json_object_set_new(req, "pubkey", json_string(v[P_PUBKEY])) ||
              add_protocols(req, v[P_PROTOCOLS]);
    if (v[P_SIZE] != NULL && v[P_SIZE][0] != '\0') {
        bad = bad || json_object_set_new(req, "size", json_string(v[P_SIZE]));
    }
    if (v[P_CPU] != NULL) {
        bad = bad || add_int(req, "cpu", number(v[P_CPU]));
    }
    if (v[P_MEMORY] != NULL && units_parse_mib(v[P_MEMORY], &n)) {
        bad = bad || add_int(req, "memory_mib", n);
    }
    if (v[P_DISK] != NULL && units_parse_mib(v[P_DISK], &n)) {
        bad = bad || add_int(req, "disk_mib", n);
    }
    if (v[P_HTTP_PORT] != NULL) {
        bad = bad || add_int(req, "http_port", number(v[P_HTTP_PORT]));
    }
    char rid[CT_REQUEST_ID_MAX + 1];
    if (v[P_REQUEST_ID] != NULL) {
        snprintf(rid, sizeof(rid), "%s", v[P_REQUEST_ID]);
    } else {
        unsigned char rnd[16];
        randombytes_buf(rnd, sizeof(rnd));
        sodium_bin2hex(rid, sizeof(rid), rnd, sizeof(rnd));
    }
    bad = bad || json_object_set_new(req, "request_id", json_string(rid));
    if (v[P_EXPIRES] != NULL) {
        n = 0;
        if (strcmp(v[P_EXPIRES], "never") == 0 || units_parse_duration(v[P_EXPIRES], &n)) {
            bad = bad || add_int(req, "expires_in", n);
        }
    }
    return bad;
}

void create_params_show(struct session *s, const struct param_values *values)
{
    char size[160] = "the template's";
    const char *sz = values->v[P_SIZE];
    if (sz != NULL && sz[0] != '\0') {
        char d[128] = "";
        json_t *known = catalog_size(s, sz);
        if (known != NULL) {
            describe_size(known, d, sizeof(d));
        }
        snprintf(size, sizeof(size), "%s%s%s%s", sz, d[0] ? " (" : "", d, d[0] ? ")" : "");
    }
    fprintf(stderr, "\nAbout to create:\n");
    static const struct {
        enum create_param p;
        const char *label;
    } rows[] = {{P_HOSTNAME, "hostname"}, {P_TEMPLATE, "template"}, {P_CPU, "cpu"},
                {P_MEMORY, "memory"},     {P_DISK, "disk"},         {P_HTTP_PORT, "http port"},
                {P_EXPIRES, "expires"}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *v = values->v[rows[i].p];
        if (v != NULL && v[0] != '\0') {
            char clean[256];
            fprintf(stderr, "  %-12s %s\n", rows[i].label, output_clean(v, clean, sizeof(clean)));
        }
        if (rows[i].p == P_TEMPLATE) {
            fprintf(stderr, "  %-12s %s\n", "size", size);
        }
    }
    const char *protos = values->v[P_PROTOCOLS];
    fprintf(stderr, "  %-12s %s\n", "protocols", protos != NULL && protos[0] ? protos : "none");
    /* The key as "type comment": the base64 tells a person nothing. */
    char key[256] = "";
    char clean[256];
    const char *pk = values->v[P_PUBKEY] != NULL ? values->v[P_PUBKEY] : "";
    const char *sp1 = strchr(pk, ' ');
    const char *sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
    snprintf(key, sizeof(key), "%.*s%s%s", (int)(sp1 != NULL ? sp1 - pk : (long)strlen(pk)), pk,
             sp2 != NULL ? " " : "", sp2 != NULL ? sp2 + 1 : "");
    fprintf(stderr, "  %-12s %s\n", "key", output_clean(key, clean, sizeof(clean)));
}
