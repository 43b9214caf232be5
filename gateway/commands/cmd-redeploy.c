/*
 * cmd-redeploy.c - `redeploy NAME [--branch B]`: the app a create deployed,
 * fetched again from its repository (or another branch), installed, built
 * and switched to; the running version keeps serving until the new one is
 * ready, and stays when the new one fails.  The agent's op-redeploy.c.
 */
#include <stdio.h>

#include "command.h"
#include "deploy-validate.h"
#include "output.h"

static const struct flag_def redeploy_flags[] = {
    {"branch", "CT_BRANCH", "NAME", "deploy this branch from now on (default: the one deployed)",
     false},
    {NULL, NULL, NULL, NULL, false},
};

static void print_redeployed(const struct session *s, json_t *data, const void *ctx)
{
    (void)s;
    (void)ctx;
    char name[80], branch[256], release[40];
    printf("%s now runs %s (release %s).\n",
           output_clean(json_string_value(json_object_get(data, "name")), name, sizeof(name)),
           output_clean(json_string_value(json_object_get(data, "branch")), branch,
                        sizeof(branch)),
           output_clean(json_string_value(json_object_get(data, "release")), release,
                        sizeof(release)));
}

static int redeploy_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    const char *branch = args_flag(args, "branch");
    if (branch != NULL && !validate_git_branch(branch)) {
        ct_error_set(&err, CT_ERR_BAD_REQUEST, "--branch: %s", ct_params[CT_P_BRANCH].rule);
        return output_error(s, &err);
    }
    json_t *req = cmd_request(s, "redeploy", args);
    if (req == NULL ||
        (branch != NULL && json_object_set_new(req, "branch", json_string(branch)) != 0)) {
        json_decref(req);
        ct_error_set(&err, CT_ERR_INTERNAL, "out of memory");
        return output_error(s, &err);
    }
    int code = cmd_run(s, req, true, print_redeployed, NULL);
    json_decref(req);
    return code;
}

const struct cmd_entry cmd_redeploy_entry = {
    .name = "redeploy",
    .args_usage = "NAME",
    .summary = "deploy your app again from its repository (a new commit, another branch)",
    .details = "The new version is cloned, installed and built beside the running one, which "
               "keeps answering until the new one is ready; if anything fails the old version "
               "stays and you are told why. The variables (.env) are carried over.",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .flags = redeploy_flags,
    .target = CMD_TARGET_NAME,
    .exec = redeploy_exec,
};
