/*
 * cmd-power.c - `start NAME`, `stop NAME`, `restart NAME`: one exec for the
 * three, the agent operation is the command's name.  Asking for the state a
 * container is already in succeeds.
 */
#include <stdio.h>

#include "command.h"
#include "output.h"

static void print_state(const struct session *s, json_t *data, const void *ctx)
{
    (void)s;
    (void)ctx;
    char name[80];
    char state[32];
    printf("%s is %s.\n", output_clean(json_string_value(json_object_get(data, "name")), name,
                                       sizeof(name)),
           output_clean(json_string_value(json_object_get(data, "state")), state, sizeof(state)));
}

static int power_exec(const struct cmd_entry *cmd, struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    char name[CT_HOSTNAME_MAX + 1];
    json_t *req = NULL;
    int code = cmd_named_request(s, cmd, args, cmd->name, name, sizeof(name), &req, &err);
    if (code == 0) {
        code = cmd_run(s, req, true, print_state, NULL);
    }
    json_decref(req);
    return code;
}

static int start_exec(struct session *s, const struct cmd_args *args)
{
    return power_exec(&cmd_start_entry, s, args);
}

static int stop_exec(struct session *s, const struct cmd_args *args)
{
    return power_exec(&cmd_stop_entry, s, args);
}

static int restart_exec(struct session *s, const struct cmd_args *args)
{
    return power_exec(&cmd_restart_entry, s, args);
}

const struct cmd_entry cmd_start_entry = {
    .name = "start",
    .args_usage = "NAME",
    .summary = "start one of your containers",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .exec = start_exec,
};

const struct cmd_entry cmd_stop_entry = {
    .name = "stop",
    .args_usage = "NAME",
    .summary = "stop one of your containers (at once, like pulling the plug)",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .exec = stop_exec,
};

const struct cmd_entry cmd_restart_entry = {
    .name = "restart",
    .args_usage = "NAME",
    .summary = "restart one of your containers (starts it when stopped)",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .exec = restart_exec,
};
