/*
 * cmd-create.c - `create`: collect the parameters, log in, ask the agent to
 * build the container while showing its progress, print how to reach it.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "output.h"
#include "param.h"
#include "protocols.h"
#include "strcopy.h"
#include "validate.h"

/* --- checks -------------------------------------------------------------- */

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

static bool live_hostname(struct session *s, const char *value, char *why, size_t len)
{
    return ask_agent(s, "hostname", value, why, len);
}

static bool live_template(struct session *s, const char *value, char *why, size_t len)
{
    return ask_agent(s, "template", value, why, len);
}

/* --- defaults ------------------------------------------------------------ */

static void default_template(struct session *s, char *out, size_t len, char *shown,
                             size_t shownlen)
{
    snprintf(out, len, "%s", s->cfg.default_template);
    snprintf(shown, shownlen, "%s", s->cfg.default_template);
}

static void default_pubkey(struct session *s, char *out, size_t len, char *shown, size_t shownlen)
{
    out[0] = '\0';
    if (s->has_login_key && pubkey_format(&s->login_key, out, len)) {
        snprintf(shown, shownlen, "the key you logged in with, %s", s->key_fingerprint);
    }
}

enum { P_HOSTNAME, P_TEMPLATE, P_PUBKEY, P_PROTOCOLS, P_COUNT };

static const struct param_def create_params[P_COUNT] = {
    [P_HOSTNAME] = {"hostname", "CT_HOSTNAME", "Hostname", true, false, check_hostname,
                    live_hostname, NULL},
    [P_TEMPLATE] = {"template", "CT_TEMPLATE", "Template", true, false, check_template,
                    live_template, default_template},
    [P_PUBKEY] = {"pubkey", "CT_PUBKEY", "Public key", true, false, check_pubkey, NULL,
                  default_pubkey},
    [P_PROTOCOLS] = {"protocol", "CT_PROTOCOLS", "Extra protocols (comma-separated, empty for none)",
                     false, true, check_protocols, NULL, NULL},
};

static const struct flag_def create_flags[] = {
    {"hostname", "CT_HOSTNAME", "NAME",
     "the container's name: an RFC 1123 label (a-z, 0-9, '-', at most 63), lower-cased; "
     "must not be reserved or taken", false},
    {"template", "CT_TEMPLATE", "NAME", "the template to build from (default: the gateway's)", false},
    {"pubkey", "CT_PUBKEY", "KEY",
     "the OpenSSH public key to install (default: the key you logged in with)", false},
    {"protocol", "CT_PROTOCOLS", "NAME",
     "an extra protocol from the gateway's list, each gets its own external port; repeatable "
     "(CT_PROTOCOLS=a,b)",
     true},
    {NULL, NULL, NULL, NULL, false},
};

/* --- the summary --------------------------------------------------------- */

static void print_summary(const struct session *s, json_t *data, const void *ctx)
{
    (void)ctx;
    const char *name = json_string_value(json_object_get(data, "name"));
    const char *ip = json_string_value(json_object_get(data, "ipv4"));
    const char *user = json_string_value(json_object_get(data, "user"));
    const char *password = json_string_value(json_object_get(data, "root_password"));
    const char *ssh_host = json_string_value(json_object_get(data, "ssh_host"));
    json_int_t ssh_port = json_integer_value(json_object_get(data, "ssh_port"));
    char clean[128];
    char ssh[512] = "";
    if (ssh_host != NULL && ssh_port > 0 && user != NULL) {
        char u[64];
        char h[256];
        snprintf(ssh, sizeof(ssh), "ssh -p %lld %s@%s", (long long)ssh_port,
                 output_clean(user, u, sizeof(u)), output_clean(ssh_host, h, sizeof(h)));
    } else if (ip != NULL && user != NULL) {
        char u[64];
        char h[64];
        output_clean(user, u, sizeof(u));
        output_clean(ip, h, sizeof(h));
        snprintf(ssh, sizeof(ssh), "ssh %s@%s%s%s", u, h,
                 s->cfg.ssh_host_hint[0] ? "   " : "", s->cfg.ssh_host_hint);
    }
    printf("\nContainer %s is ready.\n", output_clean(name, clean, sizeof(clean)));
    output_field("name", name);
    output_field("address", ip);
    output_field("login", ssh[0] ? ssh : NULL);
    output_field("url", json_string_value(json_object_get(data, "url")));
    output_protocols(data);
    output_field("user", user);
    output_field("template", json_string_value(json_object_get(data, "template")));
    output_field("created", json_string_value(json_object_get(data, "created")));
    output_field("request id", json_string_value(json_object_get(data, "request_id")));
    if (password != NULL) {
        output_field("root password", password);
        printf("\nThe root password is shown only this once: keep it somewhere safe.\n");
    }
    fflush(stdout);
}

/* "a,b" into "protocols": ["a","b"]; nothing for NULL or "". */
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

static int create_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    struct param_values values;
    json_t *req = NULL;
    int code;

    if (param_resolve(s, create_params, P_COUNT, args, &values, &err) != CT_OK) {
        return output_error(s, &err);
    }
    if (cmd_login(s, &cmd_create_entry, args, &err) != CT_OK ||
        param_prompt(s, create_params, P_COUNT, &values, &err) != CT_OK) {
        code = output_error(s, &err);
        goto out;
    }
    req = session_request(s, "create");
    if (req == NULL || json_object_set_new(req, "hostname", json_string(values.v[P_HOSTNAME])) ||
        json_object_set_new(req, "template", json_string(values.v[P_TEMPLATE])) ||
        json_object_set_new(req, "pubkey", json_string(values.v[P_PUBKEY])) ||
        add_protocols(req, values.v[P_PROTOCOLS]) != 0) {
        ct_error_set(&err, CT_ERR_INTERNAL, "out of memory");
        code = output_error(s, &err);
        goto out;
    }
    if (!s->json) {
        printf("Creating %s from template %s for %s:\n", values.v[P_HOSTNAME],
               values.v[P_TEMPLATE], s->id.uid);
        fflush(stdout);
    }
    code = cmd_run(s, req, true, print_summary, NULL);
out:
    json_decref(req);
    param_values_free(&values, P_COUNT);
    return code;
}

const struct cmd_entry cmd_create_entry = {
    .name = "create",
    .args_usage = "",
    .summary = "create a container (the default when no command is given)",
    .details = "Each value comes from its --flag, else its CT_* variable (ssh -o SendEnv=CT_*),\n"
               "else a prompt when you are on a terminal (ssh -t), else its default.",
    .min_args = 0,
    .max_args = 0,
    .needs_auth = true,
    .flags = create_flags,
    .exec = create_exec,
};
