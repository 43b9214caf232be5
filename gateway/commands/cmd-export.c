/*
 * cmd-export.c - `export NAME`: a compressed backup of one of the user's
 * containers, written to stdout as it arrives from the agent (op-export.c):
 *
 *     ssh create-container@gw export web1 > web1.tar.gz
 *
 * The backup is the backend's own import format (LXD: `lxc import`).
 * stdout must not be a terminal.  The gateway counts and hashes what it
 * wrote and compares both with the agent's result, so a cut or damaged copy
 * is an error, never a silent success; the summary goes to stderr.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "export-count.h"
#include "output.h"

struct export_out {
    struct export_count count;
    bool write_failed;
};

static bool on_data(void *p, const unsigned char *bytes, size_t len)
{
    struct export_out *o = p;
    if (fwrite(bytes, 1, len, stdout) != len) {
        o->write_failed = true;
        return false;
    }
    return export_count_add(&o->count, bytes, len);
}

/* The copy on stdout is what the agent sent: its size and SHA-256 agree. */
static enum ct_err check_copy(struct export_out *o, json_t *data, char hex[EXPORT_SHA256_HEX],
                              struct ct_error *err)
{
    export_count_sha256(&o->count, hex);
    const char *sent = json_string_value(json_object_get(data, "sha256"));
    json_int_t bytes = json_integer_value(json_object_get(data, "bytes"));
    if (sent == NULL || strcmp(sent, hex) != 0 || bytes != (json_int_t)o->count.bytes) {
        ct_error_set(err, CT_ERR_BACKEND, "the backup arrived damaged (%lld bytes); delete what "
                     "was written and export again", o->count.bytes);
        err->detail_public = true;
        return CT_ERR_BACKEND;
    }
    return CT_OK;
}

static int export_failed(const struct session *s, const struct export_out *o, struct ct_error *err)
{
    if (o->count.bytes > 0) {
        size_t used = strlen(err->detail);
        snprintf(err->detail + used, sizeof(err->detail) - used,
                 "; the %lld bytes written to stdout are an incomplete backup: delete them",
                 o->count.bytes);
    }
    return output_error(s, err);
}

static int export_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    struct export_out o = {0};
    json_t *result = NULL;
    json_t *data = NULL;
    char hex[EXPORT_SHA256_HEX];
    int code;
    /* stdout a terminal and --json were refused before the login (cmd_entry.data_out). */
    /*
     * sshd starts us with SIGPIPE at its default: a reader that goes away (`| head`, a lost
     * connection) must make fwrite fail, so the agent is told and cleans up, not kill us.
     */
    signal(SIGPIPE, SIG_IGN);
    export_count_init(&o.count, 0);
    json_t *req = cmd_request(s, "export", args);
    struct agent_events events = {.data = on_data, .ctx = &o};
    enum ct_err rc = req != NULL ? session_call(s, req, &events, &result, &err)
                                 : ct_error_set(&err, CT_ERR_INTERNAL, "out of memory");
    json_decref(req);
    if (rc == CT_OK && fflush(stdout) != 0) {
        o.write_failed = true;
    }
    if (rc == CT_OK && o.write_failed) {
        rc = ct_error_set(&err, CT_ERR_INTERNAL, "cannot write the backup to stdout");
        err.detail_public = true;
    }
    if (rc != CT_OK) {
        code = export_failed(s, &o, &err);
        goto out;
    }
    if ((code = output_agent_result(s, result, &data)) != 0) {
        if (o.count.bytes > 0) {
            fprintf(stderr, "ctgate: the %lld bytes written to stdout are an incomplete backup: "
                            "delete them\n", o.count.bytes);
        }
        goto out;
    }
    if (check_copy(&o, data, hex, &err) != CT_OK) {
        code = output_error(s, &err);
        goto out;
    }
    char name[80], format[64];
    fprintf(stderr, "Exported %s: %lld bytes, %s, sha256 %s.\n",
            output_clean(json_string_value(json_object_get(data, "name")), name, sizeof(name)),
            o.count.bytes,
            output_clean(json_string_value(json_object_get(data, "format")), format,
                         sizeof(format)),
            hex);
out:
    json_decref(result);
    return code;
}

const struct cmd_entry cmd_export_entry = {
    .name = "export",
    .args_usage = "NAME",
    .summary = "write a compressed backup of one of your containers to stdout",
    .details = "Redirect it to a file: `ssh create-container@GATEWAY export web1 > web1.tar.gz`. "
               "The file is a backup in the backend's own format (LXD: `lxc import web1.tar.gz` "
               "makes a container of it again). Snapshots are not included. The summary, with "
               "the backup's size and SHA-256, goes to stderr; an export cut short ends with an "
               "error, and what was written is then incomplete. The agent's configuration limits "
               "how large an export may be.",
    .min_args = 1,
    .max_args = 1,
    .needs_auth = true,
    .data_out = true,
    .target = CMD_TARGET_NAME,
    .exec = export_exec,
};
