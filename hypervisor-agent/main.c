/*
 * main.c - ctgate-agent: the hypervisor side of ctgate.
 *
 * Run by sshd as the forced command of the gateway's key: reads one request
 * on stdin, writes JSON lines on stdout (docs/protocol.md), exits with the
 * code of docs/exit-codes.md.  The admin's subcommands (check-config,
 * reconcile, reap, audit) are rows of the table in admin.c.
 */
#include <stdio.h>

#include "admin.h"
#include "nodump.h"

int main(int argc, char **argv)
{
    if (nodump_apply() != 0) { /* no core file or ptrace may ever hold the signing key */
        fputs("ctgate-agent: cannot turn core dumps off\n", stderr);
        return CT_EXIT_BACKEND;
    }
    return admin_main(argc, argv);
}
