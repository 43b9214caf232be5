/* cmd-info.c - `info NAME`: one of the caller's containers in full. */
#include <stdio.h>

#include "command.h"
#include "output.h"

static void print_info(const struct session *s, json_t *data, const void *ctx)
{
    (void)s;
    (void)ctx;
    output_instance(data);
}

static int info_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    char name[CT_HOSTNAME_MAX + 1];
    json_t *req = NULL;
    int code = cmd_named_request(s, &cmd_info_entry, args, "info", name, sizeof(name), &req, &err);
    if (code == 0) {
        code = cmd_run(s, req, false, print_info, NULL);
    }
    json_decref(req);
    return code;
}

const struct cmd_entry cmd_info_entry = {
    .name = "info",
    .args_usage = "NAME",
    .summary = "show one of your containers",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .exec = info_exec,
};
