/* create-params.c - see create-params.h. */
#include "create-params.h"

#include <stdio.h>
#include <string.h>

#include "create-parts.h"
#include "output.h"

/* --- the terminal's side of each row (params-table.h) --------------------- */

const struct param_prompt_def create_prompts[CT_P_COUNT] = {
    [CT_P_HOSTNAME] = {"Hostname", create_live_hostname, NULL, NULL, NULL, .early = true},
    [CT_P_TEMPLATE] = {"Template (name or number)", create_live_template, create_default_template,
                       create_menu_templates, create_pick_template, .early = true},
    [CT_P_PUBKEY] = {"Public key", NULL, create_default_pubkey, NULL, NULL},
    [CT_P_SIZE] = {"Size (name or number)", create_live_size, create_default_size,
                   create_menu_sizes, create_pick_size},
    [CT_P_HTTP_PORT] = {"HTTP port your app listens on", NULL, create_default_http_port, NULL,
                        NULL},
    [CT_P_PROTOCOLS] = {"Extra protocols (names or numbers, comma-separated; empty for none)",
                        NULL, NULL, create_menu_protocols, create_pick_protocol},
    [CT_P_EXPIRES] = {"Expires after (30m, 12h, 7d, 2w or never)", NULL, create_default_expires,
                      NULL, NULL},
    [CT_P_REQUEST_ID] = {NULL, NULL, create_default_request_id, NULL, NULL},
    /* right after the template: the check most often refused, and the slowest */
    [CT_P_REPO] = {"Git repository to deploy (https URL; empty for none)", create_live_repo, NULL,
                   NULL, NULL, .ask_if = create_ask_repo, .early = true},
    [CT_P_BRANCH] = {"Branch", create_live_branch, create_default_branch, NULL, NULL,
                     .ask_if = create_ask_branch, .early = true},
};

/* --- into the request ----------------------------------------------------- */

int create_params_to_request(const struct param_values *values, json_t *req)
{
    return ct_params_to_json(values->v, CT_PARAM_JSON_REQUEST, req);
}

void create_params_show(struct session *s, const struct param_values *values)
{
    char size[160] = "the template's";
    const char *sz = values->v[CT_P_SIZE].text;
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
        enum ct_param_id p;
        const char *label;
    } rows[] = {{CT_P_HOSTNAME, "hostname"},   {CT_P_TEMPLATE, "template"},
                {CT_P_CPU, "cpu"},             {CT_P_MEMORY, "memory"},
                {CT_P_DISK, "disk"},           {CT_P_HTTP_PORT, "http port"},
                {CT_P_EXPIRES, "expires"},     {CT_P_DESCRIPTION, "description"},
                {CT_P_REPO, "repository"},     {CT_P_BRANCH, "branch"}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *v = ct_param_text(&values->v[rows[i].p]);
        if (v[0] != '\0') {
            char clean[256];
            fprintf(stderr, "  %-12s %s\n", rows[i].label, output_clean(v, clean, sizeof(clean)));
        }
        if (rows[i].p == CT_P_TEMPLATE) {
            fprintf(stderr, "  %-12s %s\n", "size", size);
        }
    }
    const struct ct_param_value *protos = &values->v[CT_P_PROTOCOLS];
    fprintf(stderr, "  %-12s ", "protocols");
    for (size_t i = 0; i < protos->nitems; i++) {
        fprintf(stderr, "%s%s", i > 0 ? "," : "", protos->items[i]);
    }
    fprintf(stderr, "%s\n", protos->nitems == 0 ? "none" : "");
    /* The key as "type comment": the base64 tells a person nothing. */
    char key[256] = "";
    char clean[256];
    const char *pk = ct_param_text(&values->v[CT_P_PUBKEY]);
    const char *sp1 = strchr(pk, ' ');
    const char *sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
    snprintf(key, sizeof(key), "%.*s%s%s", (int)(sp1 != NULL ? sp1 - pk : (long)strlen(pk)), pk,
             sp2 != NULL ? " " : "", sp2 != NULL ? sp2 + 1 : "");
    fprintf(stderr, "  %-12s %s\n", "key", output_clean(key, clean, sizeof(clean)));
}
