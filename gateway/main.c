/*
 * main.c - ctgate, the forced command sshd runs for the create-container
 * account.  Make the process safe (startup.h), read the admin's options,
 * split the user's words without a shell, dispatch through the command
 * table.  It never starts a shell and never interprets user text.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "doctor.h"
#include "json-secure.h"
#include "log.h"
#include "login-key.h"
#include "output.h"
#include "prompt.h"
#include "tokenize.h"

static void admin_usage(FILE *out)
{
    fprintf(out,
            "usage: ctgate [--config FILE]   (run by sshd as ForceCommand; the user's words\n"
            "                                 arrive in SSH_ORIGINAL_COMMAND)\n"
            "       ctgate [--config FILE] doctor [--json] [--sshd-config FILE] [--account NAME]\n"
            "                                (an admin on the host: check every prerequisite)\n"
            "       ctgate --help | --version\n"
            "\n"
            "  --config FILE  gateway configuration (default %s)\n"
            "\n"
            "See ctgate(8).  What users can type:\n\n",
            GW_CONFIG_DEFAULT);
}

/* Which command the words name, and where its own words start. */
static const struct cmd_entry *pick_command(const struct words *w, size_t *first)
{
    *first = 1;
    if (w->n == 0) {
        *first = 0;
        return &cmd_create_entry;
    }
    const char *word = w->v[0];
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0) {
        return &cmd_help_entry;
    }
    if (strcmp(word, "--version") == 0) {
        return &cmd_version_entry;
    }
    if (strncmp(word, "--", 2) == 0) {
        *first = 0; /* `ssh create-container@gw --hostname web1`: create with flags */
        return &cmd_create_entry;
    }
    return commands_find(word);
}

static int prepare(struct session *s, const char *config, struct ct_error *err)
{
    if (gwconf_load(config, &s->cfg, err) != CT_OK) {
        log_error("configuration: %s", err->detail);
        return output_error(s, err);
    }
    if (s->env.auth_info == NULL) {
        log_info("no SSH_USER_AUTH (ExposeAuthInfo off?): no login key");
        return 0;
    }
    if (login_key_read(s->env.auth_info, &s->login_key, err) != CT_OK) {
        log_warn("login key refused: %s", err->detail);
        err->detail[0] = '\0';
        return output_error(s, err);
    }
    s->has_login_key = true;
    pubkey_fingerprint(&s->login_key, s->key_fingerprint);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct session s;
    struct words words = {0};
    struct cmd_args args;
    struct ct_error err = {0};
    const char *config = GW_CONFIG_DEFAULT;
    const char *why = NULL;
    size_t first = 0;
    int code = CT_EXIT_OK;
    int opt;

    memset(&s, 0, sizeof(s));
    if (startup_sanitize(&s.env) != 0) {
        fputs("ctgate: cannot start safely\n", stderr);
        code = CT_EXIT_BACKEND;
        goto out;
    }
    log_open("ctgate", false);
    json_secure_init();
    if (sodium_init() < 0) {
        fputs("ctgate: cannot initialise libsodium\n", stderr);
        code = CT_EXIT_BACKEND;
        goto out;
    }
    while ((opt = getopt_long(argc, argv, "+c:hV", options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config = optarg;
            break;
        case 'h':
            admin_usage(stdout);
            code = cmd_help_entry.exec(&s, &(struct cmd_args){0});
            goto out;
        case 'V':
            code = cmd_version_entry.exec(&s, &(struct cmd_args){0});
            goto out;
        default:
            admin_usage(stderr);
            code = CT_EXIT_BAD_INPUT;
            goto out;
        }
    }
    if (optind < argc && strcmp(argv[optind], "doctor") == 0) {
        /* An admin on the host: sshd's ForceCommand line is fixed, users never get here. */
        code = gw_doctor_main(config, argc - optind - 1, argv + optind + 1);
        goto out;
    }
    if (optind < argc) {
        admin_usage(stderr);
        code = CT_EXIT_BAD_INPUT;
        goto out;
    }

    const struct cmd_entry *cmd = NULL;
    if (s.env.command_too_long) {
        ct_error_set(&err, CT_ERR_BAD_REQUEST, "the command is longer than %d bytes",
                     STARTUP_COMMAND_MAX);
    } else if (s.env.ct_rejected) {
        ct_error_set(&err, CT_ERR_BAD_REQUEST,
                     "more than %d CT_* variables, or one longer than %d bytes",
                     STARTUP_CT_VARS_MAX, STARTUP_CT_VALUE_MAX);
    } else if (tokenize(s.env.command != NULL ? s.env.command : "", &words, &why) != 0) {
        ct_error_set(&err, CT_ERR_BAD_REQUEST, "cannot read the command: %s", why);
    } else if ((cmd = pick_command(&words, &first)) == NULL) {
        ct_error_set(&err, CT_ERR_BAD_REQUEST, "unknown command (try 'help')");
    } else if (args_parse(cmd, &words, first, &args, &err) == CT_OK) {
        s.json = args_flag(&args, "json") != NULL;
        s.tty_in = isatty(STDIN_FILENO) == 1;
        s.tty_out = isatty(STDOUT_FILENO) == 1;
        if (s.tty_in && cmd->needs_auth && args_switch(&s, cmd, &args, "password-stdin")) {
            prompt_hide_input(); /* before the password arrives on the terminal, if we can */
        }
        if (args_flag(&args, "help") != NULL) {
            cmd_help_show(cmd);
        } else if (!cmd->needs_auth || (code = prepare(&s, config, &err)) == 0) {
            code = cmd_exec(cmd, &s, &args);
        }
        goto out;
    }
    code = output_error(&s, &err);
out:
    tokenize_free(&words);
    session_free(&s);
    return code;
}
