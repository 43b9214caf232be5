/* cmd-help.c - `help [COMMAND]`, generated from the command table. */
#include <stdio.h>

#include "command.h"
#include "output.h"

static void print_flag(const struct flag_def *f)
{
    char left[64];
    snprintf(left, sizeof(left), "--%s%s%s", f->name, f->metavar ? " " : "",
             f->metavar ? f->metavar : "");
    printf("  %-22s %s", left, f->help);
    if (f->env != NULL) {
        printf(" [env %s]", f->env);
    }
    printf("\n");
}

static void print_flags(const struct flag_def *flags)
{
    for (size_t i = 0; flags != NULL && flags[i].name != NULL; i++) {
        print_flag(&flags[i]);
    }
}

static void help_one(const struct cmd_entry *c)
{
    printf("usage: ssh [-t] create-container@GATEWAY %s%s%s [options]\n\n%s\n", c->name,
           c->args_usage[0] ? " " : "", c->args_usage, c->summary);
    if (c->details != NULL) {
        printf("\n%s\n", c->details);
    }
    printf("\noptions:\n");
    print_flags(c->flags);
    for (size_t i = 0; i < c->nparams; i++) {
        struct flag_def f = cmd_param_flag(&c->params[i]);
        print_flag(&f);
    }
    if (c->needs_auth) {
        print_flags(auth_flags);
    }
    print_flags(common_flags);
}

static void help_all(void)
{
    printf("usage: ssh [-t] create-container@GATEWAY [COMMAND [ARGS] [options]]\n\n"
           "No command means create.  Commands:\n");
    for (size_t i = 0; commands[i] != NULL; i++) {
        char left[40];
        snprintf(left, sizeof(left), "%s%s%s", commands[i]->name,
                 commands[i]->args_usage[0] ? " " : "", commands[i]->args_usage);
        printf("  %-18s %s\n", left, commands[i]->summary);
    }
    printf("\nEvery command takes --json.  'help COMMAND' lists its options and the CT_*\n"
           "variables that may stand in for them (send those with ssh -o SendEnv=CT_*).\n"
           "Exit codes: 0 ok, 2 bad input, 3 not authenticated, 4 not allowed or not found,\n"
           "5 name taken, 6 backend failure, 7 timeout.\n");
}

static int help_exec(struct session *s, const struct cmd_args *args)
{
    const struct cmd_entry *c = NULL;
    if (args->npositional > 0) {
        c = commands_find(args->positional[0]);
        if (c == NULL) {
            struct ct_error err = {0};
            ct_error_set(&err, CT_ERR_BAD_REQUEST, "no such command (try 'help')");
            return output_error(s, &err);
        }
    }
    if (s->json) {
        json_t *list = json_array();
        for (size_t i = 0; commands[i] != NULL; i++) {
            if (c == NULL || c == commands[i]) {
                json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "name", commands[i]->name,
                                                      "args", commands[i]->args_usage, "summary",
                                                      commands[i]->summary));
            }
        }
        json_t *data = json_pack("{s:o}", "commands", list);
        output_json_ok(data);
        json_decref(data);
        return 0;
    }
    if (c != NULL) {
        help_one(c);
    } else {
        help_all();
    }
    return 0;
}

void cmd_help_show(const struct cmd_entry *c)
{
    help_one(c);
}

const struct cmd_entry cmd_help_entry = {
    .name = "help",
    .args_usage = "[COMMAND]",
    .summary = "show this help, or a command's options",
    .max_args = 1,
    .exec = help_exec,
};
