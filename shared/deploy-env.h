/*
 * deploy-env.h - a create's environment variables (--env KEY=VALUE and the
 * services' variables) as a set, and the two files made of them inside the
 * container: the app's .env and the EnvironmentFile= of its systemd unit.
 *
 * Items are "KEY=VALUE" strings as validate_env_item (deploy-validate.h)
 * takes them; every function here checks them again.  The .env file has
 * each item byte for byte ("KEY=VALUE\n": dotenv readers take the rest of
 * the line as it is); the systemd file quotes each value so that systemd's
 * parser gives back exactly the same bytes (see deploy-env.c for the rule).
 * Nothing in either file is ever evaluated: not by a shell, not by systemd.
 *
 * Values may be secrets: error details name keys and services, never a
 * value.  Output goes to a struct buf the caller initialised (and wipes
 * and frees: it holds the values).  No state; every function is
 * thread-safe.
 */
#ifndef CTGATE_DEPLOY_ENV_H
#define CTGATE_DEPLOY_ENV_H

#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "services.h"

/* The bytes of all of a create's --env items, each counted with its newline as in .env. */
#define DEPLOY_ENV_TOTAL_MAX ((size_t)64 * 1024)
/*
 * A buffer this large holds either rendered file of any create: the user's
 * items, the services' (at most CT_SERVICES_MAX * SERVICE_ENV_MAX items of at
 * most one validate_env_item each), quoting at most doubling them.
 */
#define DEPLOY_ENV_FILE_MAX ((size_t)1024 * 1024)

/*
 * Check a create's --env items as a set: each one validate_env_item with a
 * value systemd accepts (no Unicode noncharacter, no U+FEFF), no key twice,
 * at most DEPLOY_ENV_TOTAL_MAX bytes in all.  CT_ERR_BAD_VALUE naming the
 * key ("variable KEY is given twice") or the bound.
 */
enum ct_err deploy_env_check(char *const *items, size_t n, struct ct_error *err);

/*
 * The variables the app gets: the services' (svc[0..nsvc), in order) then
 * the user's items, as a new NULL-terminated array *out of *nout pointers
 * into svc and user (free() the array only).  A user key that a service
 * sets is refused: CT_ERR_BAD_VALUE "variable KEY is set by service NAME:
 * choose another name"; two services setting one key too ("services A and
 * B both set KEY: ask for one of them").
 */
enum ct_err deploy_env_merge(char *const *user, size_t nuser, const struct service_expanded *svc,
                             size_t nsvc, char ***out, size_t *nout, struct ct_error *err);

/* Append the app's .env to out: "KEY=VALUE\n" per item, byte for byte. */
enum ct_err deploy_env_render_dotenv(char *const *items, size_t n, struct buf *out,
                                     struct ct_error *err);
/*
 * Append a systemd EnvironmentFile= to out: one KEY='VALUE' or KEY="VALUE"
 * line per item, quoted so that systemd reads back VALUE exactly.
 */
enum ct_err deploy_env_render_systemd(char *const *items, size_t n, struct buf *out,
                                      struct ct_error *err);

#endif
