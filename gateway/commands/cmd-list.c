/* cmd-list.c - `list`: the caller's containers (an admin's: all of them). */
#include <stdio.h>

#include "command.h"
#include "output.h"

static const char *field(json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "-";
}

/* "ssh:24001 echo:25000": the container's external ports. */
static void ports_of(json_t *c, char *buf, size_t len)
{
    size_t used = 0;
    size_t i;
    json_t *p;
    json_int_t ssh = json_integer_value(json_object_get(c, "ssh_port"));
    buf[0] = '\0';
    if (ssh > 0) {
        used = (size_t)snprintf(buf, len, "ssh:%lld", (long long)ssh);
    }
    json_array_foreach (json_object_get(c, "protocols"), i, p) {
        char name[40];
        int n = snprintf(buf + used, len - used, "%s%s:%lld", used ? " " : "",
                         output_clean(json_string_value(json_object_get(p, "name")), name,
                                      sizeof(name)),
                         (long long)json_integer_value(json_object_get(p, "external_port")));
        if (n < 0 || (size_t)n >= len - used) {
            break;
        }
        used += (size_t)n;
    }
    if (used == 0) {
        snprintf(buf, len, "-");
    }
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
    printf("%-24s %-9s %-8s %-15s %-22s %-12s %-20s %s\n", "NAME", "CTID", "STATE", "ADDRESS",
           "PORTS", "TEMPLATE", "CREATED", "EXPIRES");
    size_t i;
    json_t *c;
    json_array_foreach (list, i, c) {
        char n[64], id[24] = "-", st[16], ip[48], t[40], cr[40], ex[40], ports[160];
        json_int_t ctid = json_integer_value(json_object_get(c, "ctid"));
        if (ctid > 0) {
            snprintf(id, sizeof(id), "%lld", (long long)ctid);
        }
        ports_of(c, ports, sizeof(ports));
        printf("%-24s %-9s %-8s %-15s %-22s %-12s %-20s %s\n",
               output_clean(field(c, "name"), n, sizeof(n)), id,
               output_clean(field(c, "state"), st, sizeof(st)),
               output_clean(field(c, "ipv4"), ip, sizeof(ip)), ports,
               output_clean(field(c, "template"), t, sizeof(t)),
               output_clean(field(c, "created"), cr, sizeof(cr)),
               output_clean(field(c, "expires"), ex, sizeof(ex)));
    }
}

const struct cmd_entry cmd_list_entry = {
    .name = "list",
    .args_usage = "",
    .summary = "list your containers: CTID, state, address, ports, template, created, expires",
    .max_args = 0,
    .needs_auth = true,
    .print = print_list,
    .exec = cmd_agent_exec,
};
