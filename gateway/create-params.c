/* create-params.c - see create-params.h. */
#include "create-params.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "create-parts.h"
#include "output.h"
#include "units.h"
#include "validate.h"

/* --- the table ------------------------------------------------------------ */

const struct param_def create_params[P_COUNT] = {
    [P_HOSTNAME] = {"hostname", "CT_HOSTNAME", "Hostname", true, false, create_check_hostname,
                    create_live_hostname, NULL, NULL, NULL},
    [P_TEMPLATE] = {"template", "CT_TEMPLATE", "Template (name or number)", true, false,
                    create_check_template, create_live_template, create_default_template,
                    create_menu_templates, create_pick_template},
    [P_PUBKEY] = {"pubkey", "CT_PUBKEY", "Public key", true, false, create_check_pubkey, NULL,
                  create_default_pubkey, NULL, NULL},
    [P_SIZE] = {"size", "CT_SIZE", "Size (name or number)", false, false, create_check_size,
                create_live_size, create_default_size, create_menu_sizes, create_pick_size},
    [P_CPU] = {"cpu", "CT_CPU", NULL, false, false, create_check_cpu, NULL, NULL, NULL, NULL},
    [P_MEMORY] = {"memory", "CT_MEMORY", NULL, false, false, create_check_memory, NULL, NULL, NULL,
                  NULL},
    [P_DISK] = {"disk", "CT_DISK", NULL, false, false, create_check_disk, NULL, NULL, NULL, NULL},
    [P_HTTP_PORT] = {"http-port", "CT_HTTP_PORT", "HTTP port your app listens on", false, false,
                     create_check_port, NULL, create_default_http_port, NULL, NULL},
    [P_PROTOCOLS] = {"protocol", "CT_PROTOCOLS",
                     "Extra protocols (names or numbers, comma-separated; empty for none)", false,
                     true, create_check_protocols, NULL, NULL, create_menu_protocols,
                     create_pick_protocols},
    [P_EXPIRES] = {"expires", "CT_EXPIRES", "Expires after (30m, 12h, 7d, 2w or never)", false,
                   false, create_check_expires, NULL, create_default_expires, NULL, NULL},
    [P_REQUEST_ID] = {"request-id", "CT_REQUEST_ID", NULL, false, false, create_check_request_id,
                      NULL, NULL, NULL, NULL},
};

const struct flag_def create_flags[] = {
    {"hostname", "CT_HOSTNAME", "NAME",
     "the container's name: an RFC 1123 label (a-z, 0-9, '-', at most 63), lower-cased; "
     "must not be reserved or taken",
     false},
    {"template", "CT_TEMPLATE", "NAME",
     "the template to build from (default: the gateway's; see: templates)", false},
    {"pubkey", "CT_PUBKEY", "KEY",
     "the OpenSSH public key to install (default: the key you logged in with)", false},
    {"size", "CT_SIZE", "NAME",
     "a size the template offers, e.g. small, medium, large (default: the template's; "
     "see: templates)",
     false},
    {"cpu", "CT_CPU", "N", "CPUs, 1-1024, replacing the size's; within the template's maximum",
     false},
    {"memory", "CT_MEMORY", "SIZE",
     "memory limit like 512MiB or 2GiB (at least 32MiB), replacing the size's; within the "
     "template's maximum and your memory quota",
     false},
    {"disk", "CT_DISK", "SIZE",
     "root disk size like 10GiB (at least 256MiB), replacing the size's; within the template's "
     "maximum; refused where the storage pool cannot limit it",
     false},
    {"http-port", "CT_HTTP_PORT", "PORT",
     "1-65535: the port your app listens on inside; NAME.DOMAIN is routed to it (default 80)",
     false},
    {"protocol", "CT_PROTOCOLS", "NAME",
     "an extra protocol from the gateway's list (see: protocols), each gets its own external "
     "port; repeatable (CT_PROTOCOLS=a,b)",
     true},
    {"expires", "CT_EXPIRES", "TIME",
     "stop the container after 30m, 12h, 7d, 2w ... and delete it a grace period later; "
     "\"never\" where allowed (default and maximum: the admin's)",
     false},
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
        json_t *known = create_catalog_size(s, sz);
        if (known != NULL) {
            create_describe_size(known, d, sizeof(d));
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
