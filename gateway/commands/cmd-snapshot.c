/*
 * cmd-snapshot.c - `snapshot NAME [SNAP] [--delete]`, `snapshots NAME` and
 * `restore NAME SNAP [--yes]`: the owner's snapshots of their container's
 * files (the agent's op-snapshot.c; restore in op-power.c).  A restore
 * throws away everything written since the snapshot, so on a terminal the
 * person confirms it by typing the snapshot's name; without one --yes is
 * required.
 */
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "output.h"

static const struct flag_def snapshot_flags[] = {
    {"delete", NULL, NULL, "remove the snapshot SNAP instead of taking one", false},
    {NULL, NULL, NULL, NULL, false},
};

static const struct flag_def restore_flags[] = {
    {"yes", "CT_YES", NULL, "do not ask for confirmation (needed without a terminal)", false},
    {NULL, NULL, NULL, NULL, false},
};

/* The snapshot's name, the second word, checked here so the agent never sees a bad one. */
static enum ct_err snapshot_word(const struct cmd_args *args, bool required, const char **snap,
                                 struct ct_error *err)
{
    *snap = args->npositional > 1 ? args->positional[1] : NULL;
    if (*snap == NULL && required) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "which snapshot? (snapshots %s lists them)",
                            args->name);
    }
    if (*snap != NULL && !validate_snapshot_name(*snap)) {
        return ct_error_set(err, CT_ERR_BAD_VALUE,
                            "not a snapshot name (lower-case letters, digits and '-', 1-%d "
                            "characters, not starting or ending with '-')",
                            CT_SNAPSHOT_MAX);
    }
    return CT_OK;
}

static json_t *snapshot_request(struct session *s, const char *op, const struct cmd_args *args,
                                const char *snap)
{
    json_t *req = cmd_request(s, op, args);
    if (req != NULL && snap != NULL && json_object_set_new(req, "snapshot", json_string(snap)) != 0) {
        json_decref(req);
        return NULL;
    }
    return req;
}

static void print_taken(const struct session *s, json_t *data, const void *ctx)
{
    (void)s;
    (void)ctx;
    char name[80], snap[48];
    output_clean(json_string_value(json_object_get(data, "name")), name, sizeof(name));
    output_clean(json_string_value(json_object_get(data, "snapshot")), snap, sizeof(snap));
    if (json_is_true(json_object_get(data, "deleted"))) {
        printf("Deleted snapshot %s of %s.\n", snap, name);
    } else {
        printf("Took snapshot %s of %s (restore %s %s rolls back to it).\n", snap, name, name,
               snap);
    }
}

static int snapshot_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    const char *snap = NULL;
    bool del = args_switch(s, args->cmd, args, "delete");
    if (snapshot_word(args, del, &snap, &err) != CT_OK) {
        return output_error(s, &err);
    }
    json_t *req = snapshot_request(s, "snapshot", args, snap);
    if (req != NULL && del && json_object_set_new(req, "delete", json_true()) != 0) {
        json_decref(req);
        req = NULL;
    }
    if (req == NULL) {
        ct_error_set(&err, CT_ERR_INTERNAL, "out of memory");
        return output_error(s, &err);
    }
    int code = cmd_run(s, req, false, print_taken, NULL);
    json_decref(req);
    return code;
}

static void print_list(const struct session *s, json_t *data, const void *ctx)
{
    (void)s;
    (void)ctx;
    json_t *list = json_object_get(data, "snapshots");
    char name[80], snap[48], created[48];
    output_clean(json_string_value(json_object_get(data, "name")), name, sizeof(name));
    if (json_array_size(list) == 0) {
        printf("%s has no snapshots (snapshot %s takes one).\n", name, name);
        return;
    }
    printf("%-34s %s\n", "SNAPSHOT", "TAKEN");
    size_t i;
    json_t *one;
    json_array_foreach (list, i, one) {
        printf("%-34s %s\n",
               output_clean(json_string_value(json_object_get(one, "name")), snap, sizeof(snap)),
               output_clean(json_string_value(json_object_get(one, "created")), created,
                            sizeof(created)));
    }
}

static void print_restored(const struct session *s, json_t *data, const void *ctx)
{
    (void)s;
    (void)ctx;
    char name[80], snap[48], state[32];
    printf("%s is back at snapshot %s and %s.\n",
           output_clean(json_string_value(json_object_get(data, "name")), name, sizeof(name)),
           output_clean(json_string_value(json_object_get(data, "snapshot")), snap, sizeof(snap)),
           output_clean(json_string_value(json_object_get(data, "state")), state, sizeof(state)));
}

static bool has_snapshot(json_t *data, const char *snap)
{
    size_t i;
    json_t *one;
    json_array_foreach (json_object_get(data, "snapshots"), i, one) {
        const char *name = json_string_value(json_object_get(one, "name"));
        if (name != NULL && snap != NULL && strcmp(name, snap) == 0) {
            return true;
        }
    }
    return false;
}

static int restore_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    const char *snap = NULL;
    json_t *list = NULL;
    json_t *result = NULL;
    json_t *data = NULL;
    json_t *req = NULL;
    int code;
    if (snapshot_word(args, true, &snap, &err) != CT_OK || snap == NULL) {
        return output_error(s, &err);
    }
    /* Ownership (and the snapshot) first, so nobody is asked to confirm what they cannot do. */
    list = cmd_request(s, "snapshots", args);
    if (session_call(s, list, NULL, &result, &err) != CT_OK) {
        code = output_error(s, &err);
        goto out;
    }
    if ((code = output_agent_result(s, result, &data)) != 0) {
        goto out;
    }
    if (!has_snapshot(data, snap)) {
        ct_error_set(&err, CT_ERR_NOT_FOUND, "%s has no snapshot %s (snapshots %s lists them)",
                     args->name, snap, args->name);
        code = output_error(s, &err);
        goto out;
    }
    char warning[CT_HOSTNAME_MAX + CT_SNAPSHOT_MAX + 128];
    snprintf(warning, sizeof(warning),
             "This rolls %s back to snapshot %s: everything written since is lost, and a "
             "running\ncontainer is restarted.\n",
             args->name, snap);
    if (cmd_confirm(s, args, "restoring", warning, "the snapshot's name", snap, "restored",
                    &err) != CT_OK) {
        code = output_error(s, &err);
        goto out;
    }
    req = snapshot_request(s, "restore", args, snap);
    code = cmd_run(s, req, true, print_restored, NULL);
out:
    json_decref(result);
    json_decref(list);
    json_decref(req);
    return code;
}

const struct cmd_entry cmd_snapshot_entry = {
    .name = "snapshot",
    .args_usage = "NAME [SNAP]",
    .summary = "take a snapshot of one of your containers' files (or --delete one)",
    .details = "SNAP names it (lower-case letters, digits and '-'); without it the name is the "
               "time, snap-YYYYMMDD-HHMMSS. Snapshots count against your quota across all your "
               "containers; `snapshot NAME SNAP --delete` removes one. Memory is not saved: a "
               "restore starts the container afresh.",
    .min_args = 1,
    .max_args = 2,
    .needs_auth = true,
    .flags = snapshot_flags,
    .target = CMD_TARGET_NAME,
    .exec = snapshot_exec,
};

const struct cmd_entry cmd_snapshots_entry = {
    .name = "snapshots",
    .args_usage = "NAME",
    .summary = "list the snapshots of one of your containers",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .target = CMD_TARGET_NAME,
    .print = print_list,
    .exec = cmd_agent_exec,
};

const struct cmd_entry cmd_restore_entry = {
    .name = "restore",
    .args_usage = "NAME SNAP",
    .summary = "roll one of your containers back to a snapshot (restarts it when running)",
    .details = "Everything written since the snapshot is lost. On a terminal you confirm by "
               "typing the snapshot's name; otherwise --yes is required.",
    .min_args = 2,
    .max_args = 2,
    .needs_auth = true,
    .flags = restore_flags,
    .target = CMD_TARGET_NAME,
    .exec = restore_exec,
};
