/*
 * pve-token.h - the Proxmox API token, read from a file of its own.
 *
 * The file holds one line, USER@REALM!TOKENID=SECRET (what `pveum user
 * token add` prints as full-tokenid and value, joined by '=').  It is
 * read at open(): a regular file, not a symlink, owned by the agent's uid,
 * mode 0600 or stricter.  The secret lives only in struct pve_token, which
 * pve_token_wipe() zeroes; it never reaches argv, the environment, a log or
 * an error detail (the token id, which is not secret, may).
 */
#ifndef CTGATE_PVE_TOKEN_H
#define CTGATE_PVE_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

#define PVE_TOKEN_ID_MAX 160
#define PVE_TOKEN_SECRET_MAX 128

struct pve_token {
    char id[PVE_TOKEN_ID_MAX + 1];         /* USER@REALM!TOKENID */
    char secret[PVE_TOKEN_SECRET_MAX + 1]; /* the UUID after the last '=' */
};

/*
 * Parse text (len bytes, a trailing newline allowed) into *tok, split at
 * the LAST '=' as Proxmox does.  false when it is not one well-formed line;
 * *tok is left zeroed then.
 */
bool pve_token_parse(const char *text, size_t len, struct pve_token *tok);
/*
 * Read and parse the token file at path, refusing it unless it is a regular
 * file owned by uid with no group or other permission bits.
 */
enum ct_err pve_token_read(const char *path, uid_t uid, struct pve_token *tok,
                           struct ct_error *err);
void pve_token_wipe(struct pve_token *tok);

#endif
