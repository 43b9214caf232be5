/* cmd-delete.c - `delete NAME [--yes]`: destroy a container and free its name. */
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "output.h"

static const struct flag_def delete_flags[] = {
    {"yes", "CT_YES", NULL, "do not ask for confirmation (needed without a terminal)", false},
    {NULL, NULL, NULL, NULL, false},
};

static void print_deleted(const struct session *s, json_t *data, const void *ctx)
{
    (void)s;
    (void)data;
    printf("Deleted %s.\n", (const char *)ctx);
}

static int delete_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    json_t *info = NULL;
    json_t *req = NULL;
    json_t *result = NULL;
    json_t *data = NULL;
    int code;
    /*
     * Ownership first (info), so that "not yours" is answered before anyone is
     * asked to confirm: the agent checks it again when deleting.
     */
    info = cmd_request(s, "info", args);
    if (session_call(s, info, NULL, &result, &err) != CT_OK) {
        code = output_error(s, &err);
        goto out;
    }
    if ((code = output_agent_result(s, result, &data)) != 0) {
        goto out;
    }
    char warning[CT_HOSTNAME_MAX + 64];
    snprintf(warning, sizeof(warning), "This destroys %s and everything in it.\n", args->name);
    if (cmd_confirm(s, args, "deleting", warning, "its name", args->name, "deleted", &err) !=
        CT_OK) {
        code = output_error(s, &err);
        goto out;
    }
    req = cmd_request(s, "delete", args);
    code = cmd_run(s, req, true, print_deleted, args->name);
out:
    json_decref(result);
    json_decref(info);
    json_decref(req);
    return code;
}

const struct cmd_entry cmd_delete_entry = {
    .name = "delete",
    .args_usage = "NAME",
    .summary = "destroy one of your containers and free its name",
    .details = "On a terminal you confirm by typing the name; otherwise --yes is required.",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .flags = delete_flags,
    .target = CMD_TARGET_NAME,
    .exec = delete_exec,
};
