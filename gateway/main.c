/*
 * main.c - ctgate, the forced command sshd runs for the create-container
 * account.  This first version only answers `help` and `version`; the
 * create flow (LDAP, parameters, agent session) arrives with the gateway
 * issue.  It never starts a shell and never interprets user text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

#ifndef CTGATE_VERSION
#define CTGATE_VERSION "0.0.0"
#endif

struct command {
    const char *name;
    const char *summary;
    int (*run)(void);
};

static int cmd_help(void);

static int cmd_version(void)
{
    printf("ctgate %s\n", CTGATE_VERSION);
    return CT_EXIT_OK;
}

static const struct command commands[] = {
    {"help", "show this help", cmd_help},
    {"version", "show the version", cmd_version},
};

static int cmd_help(void)
{
    printf("usage: ssh create-container@GATEWAY COMMAND\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    printf("\nCreating containers through the gateway is not available in this version yet;\n"
           "the agent (ctgate-agent) already creates them, see README.md.\n");
    return CT_EXIT_OK;
}

int main(int argc, char **argv)
{
    /* Under sshd the words come in SSH_ORIGINAL_COMMAND; locally in argv (for --help). */
    const char *words = getenv("SSH_ORIGINAL_COMMAND");
    if (words == NULL && argc > 1) {
        words = argv[1];
    }
    if (words == NULL || words[0] == '\0') {
        words = "help";
    }
    if (strcmp(words, "--help") == 0 || strcmp(words, "-h") == 0) {
        words = "help";
    }
    if (strcmp(words, "--version") == 0) {
        words = "version";
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(words, commands[i].name) == 0) {
            return commands[i].run();
        }
    }
    fprintf(stderr, "ctgate: unknown or not yet available command (try 'help')\n");
    return CT_EXIT_BAD_INPUT;
}
