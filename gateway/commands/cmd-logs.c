/*
 * cmd-logs.c - `logs NAME [--lines N] [--follow]`: the output of the app a
 * create deployed (its unit ctgate-app.service's journal).  With --follow
 * the lines come as they are written, for up to ten minutes or until the
 * user leaves (Ctrl-C); the agent's op-logs.c reads them in the container.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "output.h"

static const struct flag_def logs_flags[] = {
    {"lines", NULL, "N", "how many of the last lines to show, 1-1000 (default 100)", false},
    {"follow", NULL, NULL, "keep showing new lines as the app writes them (up to 10 minutes)",
     false},
    {NULL, NULL, NULL, NULL, false},
};

static void print_lines(const struct session *s, json_t *data, const void *ctx)
{
    (void)s;
    (void)ctx;
    size_t i;
    json_t *line;
    json_array_foreach (json_object_get(data, "lines"), i, line) {
        char clean[512];
        printf("%s\n", output_clean(json_string_value(line), clean, sizeof(clean)));
    }
}

static int logs_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    const char *lines = args_flag(args, "lines");
    long n = 100;
    if (lines != NULL) {
        char *end = NULL;
        n = strtol(lines, &end, 10);
        if (lines[0] < '0' || lines[0] > '9' || *end != '\0' || n < 1 || n > 1000) {
            ct_error_set(&err, CT_ERR_BAD_VALUE, "--lines: a number of lines, 1 to 1000");
            return output_error(s, &err);
        }
    }
    bool follow = args_switch(s, args->cmd, args, "follow");
    json_t *req = cmd_request(s, "logs", args);
    if (req == NULL || json_object_set_new(req, "lines", json_integer(n)) != 0 ||
        (follow && json_object_set_new(req, "follow", json_true()) != 0)) {
        json_decref(req);
        ct_error_set(&err, CT_ERR_INTERNAL, "out of memory");
        return output_error(s, &err);
    }
    int code = cmd_run(s, req, follow, print_lines, NULL);
    json_decref(req);
    return code;
}

const struct cmd_entry cmd_logs_entry = {
    .name = "logs",
    .args_usage = "NAME",
    .summary = "show the output of the app deployed in one of your containers",
    .details = "The journal of ctgate-app.service, the unit that runs your --start command.",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .flags = logs_flags,
    .target = CMD_TARGET_NAME,
    .exec = logs_exec,
};
