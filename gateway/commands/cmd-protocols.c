/*
 * cmd-protocols.c - `protocols`: the extra protocols a create may ask an
 * external port for (--protocol NAME), from the agent's catalog.
 */
#include <stdio.h>

#include "command.h"
#include "output.h"

static void print_protocols(const struct session *s, json_t *data, const void *ctx)
{
    (void)s;
    (void)ctx;
    json_t *list = json_object_get(data, "protocols");
    size_t i;
    json_t *p;
    if (json_array_size(list) == 0) {
        printf("No extra protocols are offered here.\n");
        return;
    }
    printf("%-20s %-6s %s\n", "NAME", "PORT", "TRANSPORT");
    json_array_foreach (list, i, p) {
        char n[40];
        char t[8];
        printf("%-20s %-6lld %s\n", output_clean(json_string_value(json_object_get(p, "name")), n,
                                                 sizeof(n)),
               (long long)json_integer_value(json_object_get(p, "port")),
               output_clean(json_string_value(json_object_get(p, "transport")), t, sizeof(t)));
    }
}

static int protocols_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    if (cmd_login(s, &cmd_protocols_entry, args, &err) != CT_OK) {
        return output_error(s, &err);
    }
    json_t *catalog = session_catalog(s);
    if (catalog == NULL) {
        /* Ask again through cmd_run for the real error and its exit code. */
        json_t *req = cmd_request(s, "templates", args);
        int code = cmd_run(s, req, false, print_protocols, NULL);
        json_decref(req);
        return code;
    }
    json_t *data = json_pack("{s:O}", "protocols", json_object_get(catalog, "protocols"));
    if (data == NULL) {
        ct_error_set(&err, CT_ERR_INTERNAL, "out of memory");
        return output_error(s, &err);
    }
    if (s->json) {
        output_json_ok(data);
    } else {
        print_protocols(s, data, NULL);
    }
    json_decref(data);
    return 0;
}

const struct cmd_entry cmd_protocols_entry = {
    .name = "protocols",
    .args_usage = "",
    .summary = "list the extra protocols you may ask a port for",
    .max_args = 0,
    .needs_auth = true,
    .exec = protocols_exec,
};
