/*
 * pve-pct.h - run `pct` for a node of the cluster: exec, and files through it.
 *
 * Proxmox has no REST API for a CT's files or for running a command in it
 * (only `pct` on the node that runs it).  proxmox.pct is the argv prefix
 * that runs pct for a node, its "{node}" parts replaced by the node's name:
 * [ "/usr/sbin/pct" ] on a one-node site where the agent runs on the node,
 * [ "/usr/bin/ssh", "-oBatchMode=yes", "root@{node}", "pct" ] for a cluster.
 * Always an argv (run.h), never a shell here; when the prefix goes through
 * ssh (proxmox.pct_remote_shell, on by default when the program is ssh),
 * ssh joins the words into a remote shell line, so every word after the
 * prefix is single-quoted for that shell.
 *
 * Files go through `pct exec` with the data on stdin (or stdout for a
 * read): `pct push`/`pct pull` read and write files on the node itself,
 * which the agent cannot reach when pct runs over ssh.
 */
#ifndef CTGATE_PVE_PCT_H
#define CTGATE_PVE_PCT_H

#include "error.h"
#include "pve-config.h"
#include "run.h"

/*
 * argv for pct on node: the prefix, then args (NULL-terminated), quoted
 * when the prefix is remote.  *argv and its strings are malloc'd: free with
 * pve_pct_argv_free().
 */
enum ct_err pve_pct_argv(const struct pve_config *cfg, const char *node, const char *const *args,
                         char ***argv, struct ct_error *err);
void pve_pct_argv_free(char **argv);
/* Run pct on node with args and io (run_argv_io). */
enum ct_err pve_pct_run(const struct pve_config *cfg, const char *node, const char *const *args,
                        struct run_io *io, struct ct_error *err);

#endif
