/* cmd-version.c - `version`. */
#include <stdio.h>

#include "command.h"
#include "output.h"

#ifndef CTGATE_VERSION
#define CTGATE_VERSION "0.0.0"
#endif

static int version_exec(struct session *s, const struct cmd_args *args)
{
    (void)args;
    if (s->json) {
        json_t *data = json_pack("{s:s, s:i}", "version", CTGATE_VERSION, "protocol", 1);
        output_json_ok(data);
        json_decref(data);
        return 0;
    }
    printf("ctgate %s\n", CTGATE_VERSION);
    return 0;
}

const struct cmd_entry cmd_version_entry = {
    .name = "version",
    .args_usage = "",
    .summary = "show the version",
    .max_args = 0,
    .exec = version_exec,
};
