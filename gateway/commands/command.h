/*
 * command.h - the user's commands: one file each (cmd-*.c), one table
 * (commands.c), one parser for their words (args.c), one dispatcher
 * (cmd_exec).
 *
 * A command is a const struct cmd_entry: its name, what it takes, its
 * flags (each with the CT_* variable that may stand in for it), its target
 * and its exec function.  The dispatcher does the common work before exec,
 * as tmux's does for a cmd_entry's .target: for a command whose target is a
 * container NAME it checks and lower-cases the name and logs the user in,
 * so exec finds the name in args->name.  A command that only asks the agent
 * for its own name's operation and prints the answer needs no exec of its
 * own: cmd_agent_exec with the entry's .print (info, list, start, ...).
 *
 * Adding a command: a cmd-NAME.c holding its entry (and its exec or print
 * function), its extern declaration below, its line in commands[]
 * (commands.c); an agent operation of the same name when it talks to the
 * agent (hypervisor-agent/ops/ops.h).  `help` is generated from the table, so
 * it cannot drift from the code.
 */
#ifndef CTGATE_COMMAND_H
#define CTGATE_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "params-table.h"
#include "session.h"
#include "tokenize.h"
#include "validate.h"

#define CMD_FLAGS_MAX 32
#define CMD_POSITIONAL_MAX 4

struct flag_def {
    const char *name;    /* "hostname" for --hostname */
    const char *env;     /* "CT_HOSTNAME", or NULL */
    const char *metavar; /* "NAME"; NULL for a switch */
    const char *help;
    bool repeatable; /* may be given several times (values collected in order) */
};

struct cmd_entry;

struct cmd_args {
    const char *positional[CMD_POSITIONAL_MAX];
    size_t npositional;
    const char *names[CMD_FLAGS_MAX]; /* flags given, in order */
    const char *values[CMD_FLAGS_MAX]; /* their values; "" for a switch */
    size_t nflags;
    /* Set by cmd_exec before exec: */
    const struct cmd_entry *cmd;     /* the command being run */
    char name[CT_HOSTNAME_MAX + 1]; /* its target NAME, checked and lower-cased; "" when none */
};

/* What the dispatcher resolves before exec (tmux's .target). */
enum cmd_target {
    CMD_TARGET_NONE,          /* no container: exec does its own login when it needs one */
    CMD_TARGET_NAME,          /* NAME, one of the user's containers: checked, user logged in */
    CMD_TARGET_NAME_OPTIONAL, /* [NAME]: checked when given; the user logged in either way */
};

/* How a command shows a successful answer's data as text. */
typedef void (*cmd_print_fn)(const struct session *s, json_t *data, const void *ctx);

struct cmd_entry {
    const char *name;
    const char *args_usage; /* "NAME", or "" */
    const char *summary;
    const char *details;    /* extra paragraph for `help NAME`, or NULL */
    size_t min_args;
    size_t max_args;
    bool needs_auth;             /* --user and --password-stdin apply */
    bool no_agent;               /* logs in but never asks the agent (whoami): opens no session */
    /*
     * Writes data, not text, to stdout (export): refused before any login when
     * stdout is a terminal or --json is given.
     */
    bool data_out;
    const struct flag_def *flags; /* own flags, NULL-terminated by name, or NULL */
    enum cmd_target target;
    cmd_print_fn print; /* for exec = cmd_agent_exec: how to show the answer */
    bool progress;      /* for exec = cmd_agent_exec: show the agent's progress lines */
    /* Parameter rows taken as flags too (shared/params-table.h): nparams of them, or NULL. */
    const struct ct_param_def *params;
    size_t nparams;
    int (*exec)(struct session *s, const struct cmd_args *args);
};

extern const struct cmd_entry cmd_create_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_info_entry;
extern const struct cmd_entry cmd_delete_entry;
extern const struct cmd_entry cmd_start_entry;
extern const struct cmd_entry cmd_stop_entry;
extern const struct cmd_entry cmd_snapshot_entry;
extern const struct cmd_entry cmd_snapshots_entry;
extern const struct cmd_entry cmd_restore_entry;
extern const struct cmd_entry cmd_export_entry;
extern const struct cmd_entry cmd_restart_entry;
extern const struct cmd_entry cmd_templates_entry;
extern const struct cmd_entry cmd_protocols_entry;
extern const struct cmd_entry cmd_history_entry;
extern const struct cmd_entry cmd_logs_entry;
extern const struct cmd_entry cmd_redeploy_entry;
extern const struct cmd_entry cmd_whoami_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_version_entry;

/* The table, NULL-terminated, in the order help shows it. */
extern const struct cmd_entry *const commands[];
/* Flags every command takes (--json, --help) and those of commands that log in. */
extern const struct flag_def common_flags[];
extern const struct flag_def auth_flags[];

const struct cmd_entry *commands_find(const char *name);

/*
 * Parse words[first..] for cmd.  Strings point into words.  On error
 * CT_ERR_BAD_REQUEST with a message naming the word.
 */
enum ct_err args_parse(const struct cmd_entry *cmd, const struct words *words, size_t first,
                       struct cmd_args *out, struct ct_error *err);
/* The value of --name, or NULL when not given. */
const char *args_flag(const struct cmd_args *args, const char *name);
/* Every value of a repeatable --name, in order; returns how many (at most max). */
size_t args_flag_all(const struct cmd_args *args, const char *name, const char **out, size_t max);
/* A parameter row as a flag: its --flag, CT_* variable, metavar, help; a list is repeatable. */
struct flag_def cmd_param_flag(const struct ct_param_def *p);
/* Whether --name was given, or (for a switch with an env var) CT_X is "1"/"yes"/"true". */
bool args_switch(const struct session *s, const struct cmd_entry *cmd,
                 const struct cmd_args *args, const char *name);
/*
 * Run cmd with args (parsed by args_parse): resolve its target (a bad NAME
 * is refused with CT_ERR_BAD_HOSTNAME; the user is logged in), then exec.
 * Errors are printed (output_error).  Returns the exit code.
 */
int cmd_exec(const struct cmd_entry *cmd, struct session *s, struct cmd_args *args);
/*
 * What cannot be undone is confirmed: --yes (CT_YES) passes; on a terminal the
 * person reads warning and types expected at the prompt "Type QUESTION to
 * confirm: "; otherwise, or with --json, CT_ERR_BAD_REQUEST "VERB NAME needs
 * confirmation".  A wrong answer is CT_ERR_BAD_REQUEST "not confirmed; NAME was
 * not DONE".  (delete, restore)
 */
enum ct_err cmd_confirm(struct session *s, const struct cmd_args *args, const char *verb,
                        const char *warning, const char *question, const char *expected,
                        const char *done, struct ct_error *err);
/* Log in with the command's --user / --password-stdin (session_authenticate), once. */
enum ct_err cmd_login(struct session *s, const struct cmd_entry *cmd, const struct cmd_args *args,
                      struct ct_error *err);
/*
 * The agent request of a command: {"op":op, "caller":..., "hostname":args->name}
 * (no hostname when args->name is ""); NULL when out of memory.  The caller
 * releases it.
 */
json_t *cmd_request(const struct session *s, const char *op, const struct cmd_args *args);
/*
 * Send req to the agent (live progress when with_progress) and show the
 * answer: with --json one document, else print(s, data, ctx); errors as
 * output_error does.  Returns the exit code.  req stays the caller's.
 */
int cmd_run(struct session *s, json_t *req, bool with_progress, cmd_print_fn print,
            const void *ctx);
/*
 * The exec of a command that is one agent operation of its own name: log
 * in, send cmd_request(s, cmd->name, args), show the answer with cmd->print
 * (ctx: args->name) and, when cmd->progress, the agent's progress.
 */
int cmd_agent_exec(struct session *s, const struct cmd_args *args);
/* The help of one command (for COMMAND --help). */
void cmd_help_show(const struct cmd_entry *c);

#endif
