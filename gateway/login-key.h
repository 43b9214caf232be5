/*
 * login-key.h - the key the user's SSH session authenticated with.
 *
 * sshd (ExposeAuthInfo yes) writes the methods that succeeded into a file
 * named by $SSH_USER_AUTH.  Only that file is believed, and only when its
 * path is /tmp/sshauth.*, it is a regular file owned by us (opened with
 * O_NOFOLLOW), it is small, and it holds exactly one "publickey" line and
 * nothing else.  A key the client offered but could not sign with never
 * appears there, so whoever offers someone else's key is still themself.
 */
#ifndef CTGATE_LOGIN_KEY_H
#define CTGATE_LOGIN_KEY_H

#include "error.h"
#include "pubkey.h"

#define LOGIN_KEY_FILE_MAX 16384

/* CT_ERR_NOT_AUTHENTICATED (detail says why, for the log) when not usable. */
enum ct_err login_key_read(const char *path, struct pubkey *out, struct ct_error *err);

#endif
