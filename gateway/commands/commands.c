/* commands.c - the command table and what several commands share. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "output.h"
#include "progress.h"
#include "prompt.h"
#include "validate.h"

const struct cmd_entry *const commands[] = {
    &cmd_create_entry,    &cmd_list_entry,      &cmd_info_entry,   &cmd_delete_entry,
    &cmd_start_entry,     &cmd_stop_entry,      &cmd_restart_entry, &cmd_templates_entry,
    &cmd_logs_entry,      &cmd_redeploy_entry,  &cmd_protocols_entry, &cmd_history_entry,
    &cmd_snapshot_entry,  &cmd_snapshots_entry, &cmd_restore_entry, &cmd_export_entry,
    &cmd_whoami_entry,    &cmd_help_entry,      &cmd_version_entry,
    NULL,
};

const struct flag_def common_flags[] = {
    {"json", NULL, NULL, "print one JSON document on stdout and nothing else", false},
    {"help", NULL, NULL, "show the help of this command", false},
    {NULL, NULL, NULL, NULL, false},
};

const struct flag_def auth_flags[] = {
    {"user", "CT_USER", "UID",
     "your LDAP user (default: the one whose sshPublicKey is the key you logged in with)", false},
    {"password-stdin", NULL, NULL,
     "read your LDAP password as one line on stdin (never from arguments or variables)", false},
    {NULL, NULL, NULL, NULL, false},
};

const struct cmd_entry *commands_find(const char *name)
{
    for (size_t i = 0; commands[i] != NULL; i++) {
        if (strcmp(commands[i]->name, name) == 0) {
            return commands[i];
        }
    }
    return NULL;
}

enum ct_err cmd_login(struct session *s, const struct cmd_entry *cmd, const struct cmd_args *args,
                      struct ct_error *err)
{
    if (s->authenticated) {
        return CT_OK; /* the dispatcher did it for the command's target */
    }
    s->agent_early = !cmd->no_agent;
    return session_authenticate(s, args_flag(args, "user"),
                                args_switch(s, cmd, args, "password-stdin"), err);
}

enum ct_err cmd_confirm(struct session *s, const struct cmd_args *args, const char *verb,
                        const char *warning, const char *question, const char *expected,
                        const char *done, struct ct_error *err)
{
    char answer[PROMPT_LINE_MAX + 1];
    char prompt[64];
    if (args_switch(s, args->cmd, args, "yes")) {
        return CT_OK;
    }
    if (!s->tty_in || s->json) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST,
                            "%s %s needs confirmation: add --yes (or CT_YES=1)", verb, args->name);
    }
    fputs(warning, stderr);
    snprintf(prompt, sizeof(prompt), "Type %s to confirm: ", question);
    enum ct_err rc =
        prompt_ask(prompt, true, s->cfg.prompt_timeout_s, answer, sizeof(answer), err);
    if (rc == CT_OK && strcmp(answer, expected) != 0) {
        rc = ct_error_set(err, CT_ERR_BAD_REQUEST, "not confirmed; %s was not %s", args->name,
                          done);
    }
    return rc;
}

/* NAME into args->name, lower-cased; CT_ERR_BAD_HOSTNAME when it cannot be a container's. */
static enum ct_err resolve_name(const char *given, struct cmd_args *args, struct ct_error *err)
{
    snprintf(args->name, sizeof(args->name), "%s", given);
    for (char *p = args->name; *p != '\0'; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    if (strlen(given) >= sizeof(args->name) || !validate_hostname(args->name)) {
        ct_error_set(err, CT_ERR_BAD_HOSTNAME, "'%s' is not a container name",
                     validate_token(args->name, 63) ? args->name : "?");
        args->name[0] = '\0';
        return CT_ERR_BAD_HOSTNAME;
    }
    return CT_OK;
}

/* A command that writes data to stdout (export) cannot write it to a terminal, nor as JSON. */
static bool data_out_refused(const struct session *s, const struct cmd_entry *cmd,
                             const struct cmd_args *args, struct ct_error *err)
{
    if (s->json) {
        ct_error_set(err, CT_ERR_BAD_REQUEST, "%s writes its data itself to stdout: --json does "
                     "not apply", cmd->name);
        return true;
    }
    if (s->tty_out || isatty(STDOUT_FILENO)) {
        ct_error_set(err, CT_ERR_BAD_REQUEST,
                     "stdout is a terminal: send the backup to a file (ssh ... %s %s > %s.tar.gz)",
                     cmd->name, args->name, args->name);
        return true;
    }
    return false;
}

int cmd_exec(const struct cmd_entry *cmd, struct session *s, struct cmd_args *args)
{
    struct ct_error err = {0};
    args->cmd = cmd;
    args->name[0] = '\0';
    if (cmd->target != CMD_TARGET_NONE) {
        if (args->npositional > 0 && resolve_name(args->positional[0], args, &err) != CT_OK) {
            return output_error(s, &err);
        }
        if (cmd->data_out && data_out_refused(s, cmd, args, &err)) {
            return output_error(s, &err);
        }
        if (cmd->needs_auth && cmd_login(s, cmd, args, &err) != CT_OK) {
            return output_error(s, &err);
        }
    }
    return cmd->exec(s, args);
}

json_t *cmd_request(const struct session *s, const char *op, const struct cmd_args *args)
{
    json_t *req = session_request(s, op);
    if (req != NULL && args->name[0] != '\0' &&
        json_object_set_new(req, "hostname", json_string(args->name)) != 0) {
        json_decref(req);
        req = NULL;
    }
    return req;
}

int cmd_run(struct session *s, json_t *req, bool with_progress, cmd_print_fn print,
            const void *ctx)
{
    struct ct_error err = {0};
    struct progress progress;
    json_t *result = NULL;
    json_t *data = NULL;
    int code;

    progress_init(&progress, s->tty_out, s->json || !with_progress);
    struct agent_events events = progress_events(&progress);
    enum ct_err rc = session_call(s, req, &events, &result, &err);
    progress_end(&progress);
    if (rc != CT_OK) {
        return output_error(s, &err);
    }
    code = output_agent_result(s, result, &data);
    if (code == 0) {
        if (s->json) {
            output_json_ok(data);
        } else {
            print(s, data, ctx);
        }
    }
    json_decref(result); /* jansson's allocator wipes any secret in it (json-secure.h) */
    return code;
}

int cmd_agent_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    if (cmd_login(s, args->cmd, args, &err) != CT_OK) {
        return output_error(s, &err);
    }
    json_t *req = cmd_request(s, args->cmd->name, args);
    int code = cmd_run(s, req, args->cmd->progress, args->cmd->print, args->name);
    json_decref(req);
    return code;
}
