/* cmd-list.c - `list`: the caller's containers (an admin's: all of them). */
#include <stdio.h>

#include "command.h"
#include "output.h"

static const char *field(json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "-";
}

static void print_list(const struct session *s, json_t *data, const void *ctx)
{
    (void)s;
    (void)ctx;
    json_t *list = json_object_get(data, "containers");
    if (json_array_size(list) == 0) {
        printf("You have no containers.  Create one with: ssh -t create-container@GATEWAY\n");
        return;
    }
    printf("%-24s %-9s %-16s %-6s %-12s %s\n", "NAME", "STATE", "ADDRESS", "SSH", "TEMPLATE",
           "CREATED");
    size_t i;
    json_t *c;
    json_array_foreach (list, i, c) {
        char n[64], st[16], ip[48], t[40], cr[40], port[8] = "-";
        if (json_integer_value(json_object_get(c, "ssh_port")) > 0) {
            snprintf(port, sizeof(port), "%d", (int)json_integer_value(json_object_get(c, "ssh_port")));
        }
        printf("%-24s %-9s %-16s %-6s %-12s %s\n", output_clean(field(c, "name"), n, sizeof(n)),
               output_clean(field(c, "state"), st, sizeof(st)),
               output_clean(field(c, "ipv4"), ip, sizeof(ip)), port,
               output_clean(field(c, "template"), t, sizeof(t)),
               output_clean(field(c, "created"), cr, sizeof(cr)));
    }
}

static int list_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    if (cmd_login(s, &cmd_list_entry, args, &err) != CT_OK) {
        return output_error(s, &err);
    }
    json_t *req = session_request(s, "list");
    int code = cmd_run(s, req, false, print_list, NULL);
    json_decref(req);
    return code;
}

const struct cmd_entry cmd_list_entry = {
    .name = "list",
    .args_usage = "",
    .summary = "list your containers",
    .max_args = 0,
    .needs_auth = true,
    .exec = list_exec,
};
