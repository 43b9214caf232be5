/* cmd-info.c - `info NAME`: one of the caller's containers in full. */
#include <stdio.h>

#include "command.h"
#include "output.h"

static int info_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    char name[CT_HOSTNAME_MAX + 1];
    json_t *req = NULL;
    json_t *result = NULL;
    json_t *data = NULL;
    int code = cmd_named_request(s, &cmd_info_entry, args, "info", name, sizeof(name), &req, &err);
    if (code != 0) {
        goto out;
    }
    if (session_call(s, req, NULL, &result, &err) != CT_OK) {
        code = output_error(s, &err);
        goto out;
    }
    code = output_agent_result(s, result, &data);
    if (code == 0) {
        if (s->json) {
            output_json_ok(data);
        } else {
            output_instance(data);
        }
    }
out:
    json_decref(result);
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
