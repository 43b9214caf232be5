/*
 * cmd-history.c - `history [NAME]`: your own records of the agent's signed
 * audit trail (what you did, when, from where, and how it ended),
 * optionally about one container.
 */
#include <stdio.h>

#include "command.h"
#include "output.h"

static long long total_ms(json_t *steps)
{
    long long ms = 0;
    size_t i;
    json_t *s;
    json_array_foreach (steps, i, s) {
        ms += json_integer_value(json_object_get(s, "ms"));
    }
    return ms;
}

static void print_history(const struct session *s, json_t *data, const void *ctx)
{
    (void)s;
    (void)ctx;
    json_t *records = json_object_get(data, "records");
    size_t i;
    json_t *r;
    if (json_array_size(records) == 0) {
        printf("No records.\n");
        return;
    }
    printf("%-20s %-10s %-24s %-16s %-18s %s\n", "TIME", "OP", "NAME", "FROM", "RESULT", "TOOK");
    json_array_foreach (records, i, r) {
        char t[32], op[16], name[64], from[64], code[40], step[24];
        json_t *result = json_object_get(r, "result");
        const char *st = json_string_value(json_object_get(result, "step"));
        char outcome[80];
        snprintf(outcome, sizeof(outcome), "%s%s%s",
                 output_clean(json_string_value(json_object_get(result, "code")), code,
                              sizeof(code)),
                 st != NULL ? " at " : "", st != NULL ? output_clean(st, step, sizeof(step)) : "");
        const char *host = json_string_value(json_object_get(json_object_get(r, "params"),
                                                             "hostname"));
        const char *client = json_string_value(json_object_get(json_object_get(r, "who"),
                                                               "client"));
        printf("%-20s %-10s %-24s %-16s %-18s %.2f s\n",
               output_clean(json_string_value(json_object_get(r, "time")), t, sizeof(t)),
               output_clean(json_string_value(json_object_get(r, "op")), op, sizeof(op)),
               host != NULL ? output_clean(host, name, sizeof(name)) : "-",
               client != NULL && client[0] ? output_clean(client, from, sizeof(from)) : "-",
               outcome, (double)total_ms(json_object_get(r, "steps")) / 1000.0);
    }
}

const struct cmd_entry cmd_history_entry = {
    .name = "history",
    .args_usage = "[NAME]",
    .summary = "what you did and how it ended, from the signed audit trail",
    .min_args = 0,
    .max_args = 1,
    .needs_auth = true,
    .target = CMD_TARGET_NAME_OPTIONAL,
    .print = print_history,
    .exec = cmd_agent_exec,
};
