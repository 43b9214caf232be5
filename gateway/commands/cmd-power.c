/*
 * cmd-power.c - `start NAME`, `stop NAME`, `restart NAME`: three entries of
 * cmd_agent_exec (the agent operation is the command's name) sharing one
 * printer.  Asking for the state a container is already in succeeds.
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

const struct cmd_entry cmd_start_entry = {
    .name = "start",
    .args_usage = "NAME",
    .summary = "start one of your containers",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .target = CMD_TARGET_NAME,
    .print = print_state,
    .progress = true,
    .exec = cmd_agent_exec,
};

const struct cmd_entry cmd_stop_entry = {
    .name = "stop",
    .args_usage = "NAME",
    .summary = "stop one of your containers (at once, like pulling the plug)",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .target = CMD_TARGET_NAME,
    .print = print_state,
    .progress = true,
    .exec = cmd_agent_exec,
};

const struct cmd_entry cmd_restart_entry = {
    .name = "restart",
    .args_usage = "NAME",
    .summary = "restart one of your containers (starts it when stopped)",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .target = CMD_TARGET_NAME,
    .print = print_state,
    .progress = true,
    .exec = cmd_agent_exec,
};
