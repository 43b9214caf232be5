/*
 * audit-cmd.h - `ctgate-agent [--config FILE] audit keygen|verify|show`:
 * the admin's side of the audit trail (audit.h).
 *
 *   keygen                      make the signing key (at install)
 *   verify                      check every record; exit 0 intact, 5 not
 *   show [--user U] [--since T] [--name NAME] [--json]
 *                               print records; T is RFC 3339 or a duration ago ("2h")
 */
#ifndef CTGATE_AUDIT_CMD_H
#define CTGATE_AUDIT_CMD_H

/* argv[0] is "audit"; returns the exit code. */
int audit_command(const char *config_path, int argc, char **argv);

#endif
