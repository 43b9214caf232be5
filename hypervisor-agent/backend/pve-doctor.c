/*
 * pve-doctor.c - `ctgate-agent doctor` for the proxmox backend: the API
 * answers with the token, the token file's mode, each allowed node online,
 * the templates on each allowed node.  See pve-backend.h.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent-config.h"
#include "pve-backend.h"
#include "pve-token.h"

static void check_token_file(struct pve_backend *b, backend_say_fn say, void *ctx)
{
    struct pve_token tok;
    struct ct_error err = {0};
    enum ct_err rc = pve_token_read(b->settings->token_file, geteuid(), &tok, &err);
    pve_token_wipe(&tok);
    say(ctx, "proxmox token file", rc == CT_OK,
        rc == CT_OK ? b->settings->token_file : err.detail,
        "chown it to the agent's account and chmod 0600; one line USER@REALM!TOKENID=SECRET");
}

static void check_templates(struct pve_backend *b, const char *node, backend_say_fn say,
                            void *ctx)
{
    char path[128], detail[CT_ERROR_DETAIL_MAX + 128];
    json_t *list = NULL;
    struct ct_error err = {0};
    snprintf(path, sizeof(path), "/nodes/%s/lxc", node);
    if (pve_call(&b->pve, "GET", path, NULL, 0, &list, NULL, &err) != CT_OK) {
        snprintf(detail, sizeof(detail), "%s: %s", node, err.detail);
        say(ctx, "templates", false, detail, "grant the token VM.Audit on /vms");
        return;
    }
    for (size_t t = 0; t < b->cfg->ntemplates; t++) {
        const char *image = b->cfg->templates[t].image;
        bool found = false;
        size_t i;
        json_t *ct;
        json_array_foreach (list, i, ct) {
            const char *name = json_string_value(json_object_get(ct, "name"));
            found = found || (name != NULL && strcmp(name, image) == 0 &&
                              json_integer_value(json_object_get(ct, "template")) == 1);
        }
        snprintf(detail, sizeof(detail), "%s on %s: %s", image, node,
                 found ? "a template CT" : "no template CT of that name");
        say(ctx, "template", found, detail,
            "make it on that node (pct clone ..., pct template VMID), or take the node out of "
            "proxmox.nodes");
    }
    json_decref(list);
}

void pve_doctor(struct pve_backend *b, backend_say_fn say, void *ctx)
{
    char detail[CT_ERROR_DETAIL_MAX + 300];
    json_t *data = NULL;
    struct ct_error err = {0};

    check_token_file(b, say, ctx);
    if (pve_call(&b->pve, "GET", "/version", NULL, 0, &data, NULL, &err) != CT_OK) {
        snprintf(detail, sizeof(detail), "%s: %s", b->settings->url, err.detail);
        say(ctx, "backend", false, detail,
            "check proxmox.url, proxmox.ca_file (the cluster's pve-root-ca.pem) and the token");
        return;
    }
    const char *version = json_string_value(json_object_get(data, "version"));
    snprintf(detail, sizeof(detail), "Proxmox VE %s at %s (token %s)",
             version != NULL ? version : "?", b->settings->url, b->pve.token_id);
    say(ctx, "backend", true, detail, NULL);
    json_decref(data);

    if (pve_call(&b->pve, "GET", "/nodes", NULL, 0, &data, NULL, &err) != CT_OK) {
        say(ctx, "nodes", false, err.detail, "grant the token Sys.Audit on /nodes");
        return;
    }
    size_t i;
    json_t *n;
    json_array_foreach (data, i, n) {
        const char *node = json_string_value(json_object_get(n, "node"));
        const char *status = json_string_value(json_object_get(n, "status"));
        if (node == NULL || !validate_hostname(node) ||
            !pve_config_node_allowed(b->settings, node)) {
            continue;
        }
        bool online = status != NULL && strcmp(status, "online") == 0;
        snprintf(detail, sizeof(detail), "%s: %s%s", node, status != NULL ? status : "unknown",
                 json_object_get(n, "maxmem") == NULL ? " (no memory figures: Sys.Audit?)" : "");
        say(ctx, "node", online, detail, "bring it back, or take it out of proxmox.nodes");
        if (online) {
            check_templates(b, node, say, ctx);
        }
    }
    for (size_t k = 0; k < b->settings->nnodes; k++) {
        bool listed = false;
        json_array_foreach (data, i, n) {
            const char *node = json_string_value(json_object_get(n, "node"));
            listed = listed || (node != NULL && strcmp(node, b->settings->nodes[k]) == 0);
        }
        if (!listed) {
            snprintf(detail, sizeof(detail), "%s: not in the cluster", b->settings->nodes[k]);
            say(ctx, "node", false, detail, "fix proxmox.nodes");
        }
    }
    json_decref(data);
}
