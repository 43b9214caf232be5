/*
 * main.c - ctgate-agent: the hypervisor side of ctgate.
 *
 * Run by sshd as the forced command of the gateway's key: reads one request
 * on stdin, writes JSON lines on stdout (docs/protocol.md), exits with the
 * code of docs/exit-codes.md.  `check-config` validates the configuration.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-config.h"
#include "agent.h"
#include "audit-cmd.h"
#include "error.h"
#include "reap.h"
#include "reconcile.h"

#ifndef CTGATE_VERSION
#define CTGATE_VERSION "0.0.0"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ctgate-agent [--config FILE] [serve]\n"
            "       ctgate-agent [--config FILE] check-config\n"
            "       ctgate-agent [--config FILE] reconcile [--fix]\n"
            "       ctgate-agent [--config FILE] reap [--dry-run]\n"
            "       ctgate-agent [--config FILE] audit keygen | verify | show [--user UID]\n"
            "                    [--since TIME|DURATION] [--name NAME] [--json]\n"
            "       ctgate-agent --help | --version\n"
            "\n"
            "  serve         read one JSON request on stdin, answer with JSON lines (default)\n"
            "  check-config  load and validate the configuration, then exit\n"
            "  reconcile     compare the registry, the backend and nginx's files; report\n"
            "                differences (exit 5 when some remain); --fix rolls back\n"
            "                creates and deletes whose process died, releases reservations\n"
            "                whose container is gone and regenerates nginx\n"
            "  reap          stop containers whose expiry has passed and delete them once\n"
            "                expiry.grace has passed too, and remove create records older\n"
            "                than requests.keep (for a timer or cron); --dry-run only\n"
            "                prints what it would do\n"
            "  audit         the signed audit trail: keygen (at install), verify (every\n"
            "                record, the hash chain, the signatures, the end audit.head\n"
            "                names; exit 5 names the first bad record), show (records,\n"
            "                filtered)\n"
            "  --config FILE configuration file (default %s)\n"
            "\n"
            "Meant to be run by sshd as the forced command of the gateway's key;\n"
            "see ctgate-agent(8) and docs/protocol.md.\n",
            AGENT_CONFIG_DEFAULT);
}

/* `[--config FILE] audit ...` has options of its own: find it before getopt sees them. */
static int audit_position(int argc, char **argv, const char **config)
{
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "--config") == 0) {
        *config = argv[i + 1];
        i += 2;
    } else if (i < argc && strncmp(argv[i], "--config=", 9) == 0) {
        *config = argv[i] + 9;
        i++;
    }
    return i < argc && strcmp(argv[i], "audit") == 0 ? i : 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"fix", no_argument, NULL, 'f'},
        {"dry-run", no_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    const char *config = AGENT_CONFIG_DEFAULT;
    int audit_at = audit_position(argc, argv, &config);
    if (audit_at > 0) {
        return audit_command(config, argc - audit_at, argv + audit_at);
    }
    bool fix = false;
    bool dry_run = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:hVfn", options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("ctgate-agent %s\n", CTGATE_VERSION);
            return 0;
        case 'f':
            fix = true;
            break;
        case 'n':
            dry_run = true;
            break;
        default:
            usage(stderr);
            return CT_EXIT_BAD_INPUT;
        }
    }
    const char *command = optind < argc ? argv[optind] : "serve";
    if (optind + 1 < argc) {
        usage(stderr);
        return CT_EXIT_BAD_INPUT;
    }
    if (strcmp(command, "serve") == 0) {
        return agent_serve(config);
    }
    if (strcmp(command, "check-config") == 0) {
        return agent_check_config(config);
    }
    if (strcmp(command, "reconcile") == 0) {
        return reconcile_run(config, fix);
    }
    if (strcmp(command, "reap") == 0) {
        return reap_run(config, dry_run);
    }
    fprintf(stderr, "ctgate-agent: unknown command '%s'\n", command);
    usage(stderr);
    return CT_EXIT_BAD_INPUT;
}
