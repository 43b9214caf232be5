/*
 * identity.h - who logs in to a container from the LDAP directory (SPEC §4
 * step 6): the directory as containers reach it (`directory = {...}` in
 * agent.conf), each template's LDAP client and login groups, and the create
 * step that configures that client inside a new container.
 *
 * The client is sssd (identity.md says why): its `simple` access provider
 * admits the owner, admin_group and the template's login_groups and nobody
 * else from the directory; TLS is required and checked against the CA the
 * admin names, which the step copies into the container.
 */
#ifndef CTGATE_IDENTITY_H
#define CTGATE_IDENTITY_H

#include <libconfig.h>

#include "agent-config.h"
#include "buf.h"
#include "error.h"

struct agent_ctx;

/* Where the client's files go inside the container. */
#define IDENTITY_SSSD_CONF "/etc/sssd/sssd.conf"
#define IDENTITY_CA_FILE "/etc/sssd/ctgate-ldap-ca.crt"

/* Read `directory = {...}` (absent: d->enabled is false). */
enum ct_err identity_load_directory(const config_t *conf, struct directory_config *d,
                                    struct ct_error *err);

/* Read a template's `ldap_client` and `login_groups` (directory: loaded before). */
enum ct_err identity_load_template(config_setting_t *s, const struct directory_config *d,
                                   struct template_def *t, struct ct_error *err);

/*
 * sssd.conf for a container of template t owned by owner (a validated uid),
 * appended to out.  Everything it writes was validated at load.
 */
enum ct_err identity_render_sssd(const struct agent_config *cfg, const struct template_def *t,
                                 const char *owner, struct buf *out, struct ct_error *err);

/*
 * The create step's work: push the CA and sssd.conf into container name,
 * restart sssd and check that it finds owner in the directory.  Nothing to
 * undo of its own (the container goes with the clone's undo).
 */
enum ct_err identity_configure(struct agent_ctx *a, const char *name, const char *owner,
                               const struct template_def *t, struct ct_error *err);

#endif
