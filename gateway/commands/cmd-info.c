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

const struct cmd_entry cmd_info_entry = {
    .name = "info",
    .args_usage = "NAME",
    .summary = "show one of your containers",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .target = CMD_TARGET_NAME,
    .print = print_info,
    .exec = cmd_agent_exec,
};
