/*
 * admin.h - ctgate-agent's command line: one table of subcommands, like
 * git's commands[] with its RUN_SETUP flags.
 *
 * Each row (struct admin_cmd, in admin.c) names a subcommand ("reap", or
 * two words: "audit show"), says what it needs (ADMIN_NEED_*) and which
 * options it takes.  admin_main() parses argv against the table, refuses an
 * option the subcommand does not take, does the startup the flags ask for
 * once (libsodium, syslog, the configuration, the backend), runs the
 * subcommand and releases what the startup made.  --help is generated
 * from the table.  A subcommand's run function finds everything in struct
 * admin_ctx and owns none of it.
 *
 * Adding a subcommand: write its run function (and, when it reports
 * failures its own way, its fail function) in its own file, then add one
 * row to admin_commands[] in admin.c.
 */
#ifndef CTGATE_ADMIN_H
#define CTGATE_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "agent-config.h"
#include "error.h"
#include "ops.h"

#define ADMIN_NEED_CONFIG 0x1u  /* load --config into ctx->cfg before run */
#define ADMIN_NEED_BACKEND 0x2u /* also open cfg.backend into ctx->agent (implies the config) */
#define ADMIN_DEFAULT 0x4u      /* run when no subcommand is named (serve) */

#define ADMIN_OPTS_MAX 8

struct admin_opt {
    const char *name;    /* "dry-run" for --dry-run */
    char short_name;     /* 'n' for -n, or 0 */
    const char *metavar; /* "UID" when it takes a value; NULL for a switch */
    const char *help;    /* for --help; may hold '\n' */
    bool (*check)(const char *value); /* refuse a bad value before startup; NULL: any */
    const char *refusal; /* what to say when check refuses; NULL: only the usage */
};

struct admin_ctx;

struct admin_cmd {
    const char *name;    /* one word, or "GROUP WORD" (audit keygen) */
    const char *summary; /* for --help; may hold '\n' */
    unsigned flags;      /* ADMIN_* */
    const struct admin_opt *options; /* NULL-terminated by name, or NULL: none */
    int (*run)(struct admin_ctx *ctx); /* returns the exit code */
    /*
     * Report a failed startup step in this command's own words and return
     * the exit code; step is "start", "load" or "open", subject what it
     * was about (libsodium, the configuration path, the backend's name).
     */
    int (*fail)(const char *step, const char *subject, const struct ct_error *err);
    const char *operand; /* "NAME" when it takes one word after its name (template build NAME) */
};

struct admin_ctx {
    const struct admin_cmd *cmd;
    const char *config_path;
    const char *values[ADMIN_OPTS_MAX]; /* by cmd->options' index: NULL not given, "" a switch */
    const char *operand;                /* the word cmd->operand names; NULL when none */
    struct agent_config cfg;            /* loaded when ADMIN_NEED_CONFIG */
    struct agent_ctx agent;             /* .cfg always; .backend, .handle when NEED_BACKEND */
};

/* The table, in the order --help shows it; ends with a row whose name is NULL. */
extern const struct admin_cmd admin_commands[];

enum admin_parse_result {
    ADMIN_PARSE_RUN,     /* ctx->cmd is set */
    ADMIN_PARSE_HELP,    /* --help */
    ADMIN_PARSE_VERSION, /* --version */
    ADMIN_PARSE_USAGE,   /* refused: why says so (may be ""), *group the command concerned */
};

/*
 * Parse argv into ctx (config_path, cmd, values; strings point into argv).
 * On ADMIN_PARSE_USAGE, why holds one line for people and *group the first
 * word of the command it concerns ("" when none is known).  Prints nothing.
 */
enum admin_parse_result admin_parse(int argc, char **argv, struct admin_ctx *ctx, char *why,
                                    size_t whylen, const char **group);
/* The value of --name for ctx's command ("" for a switch), or NULL when not given. */
const char *admin_opt(const struct admin_ctx *ctx, const char *name);
/* Find and open agent->cfg's backend into agent->backend, ->handle (NULL on failure). */
enum ct_err admin_open_backend(struct agent_ctx *agent, struct ct_error *err);
/* Everything: parse, start up, run, clean up.  Returns the exit code. */
int admin_main(int argc, char **argv);

#endif
