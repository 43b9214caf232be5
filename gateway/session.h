/*
 * session.h - everything one run of the gateway knows about its user.
 *
 * One struct session per process, filled by main() (configuration, the
 * environment sshd gave, the terminal) and by session_authenticate() (who
 * the user is).  Commands receive it; the agent link is opened on first
 * use (or, for a caller whose login key the directory lists, in the
 * background while the directory is asked: agent-prefetch.h) and closed by
 * session_free().  Holds no secret: the password lives only inside
 * session_authenticate().
 */
#ifndef CTGATE_SESSION_H
#define CTGATE_SESSION_H

#include <jansson.h>
#include <stdbool.h>

#include "agent-link.h"
#include "agent-prefetch.h"
#include "error.h"
#include "gw-config.h"
#include "ldap-dir.h"
#include "pubkey.h"
#include "startup.h"

struct identity {
    char uid[CT_UID_MAX + 1];
    char dn[LDAP_DIR_DN_MAX];
    long long uid_number;
    char groups[LDAP_DIR_GROUPS_MAX][CT_GROUP_MAX + 1];
    size_t ngroups;
    bool by_key; /* authenticated by the login key found in LDAP, not by password */
};

struct session {
    struct gw_config cfg;
    struct startup_env env;
    bool tty_in;  /* stdin is a terminal: prompts allowed */
    bool tty_out; /* stdout is a terminal: spinners, colours of speech */
    bool json;    /* --json: one JSON document on stdout, nothing else */
    bool has_login_key;
    struct pubkey login_key;
    char key_fingerprint[PUBKEY_FINGERPRINT_LEN];
    bool authenticated;
    struct identity id;
    struct agent_link *link;
    struct agent_prefetch agent_prefetch; /* the link being opened while LDAP answers */
    bool agent_early; /* the command will ask the agent: open its session during the login */
    json_t *catalog; /* the agent's "templates" answer, fetched once (session_catalog) */
};

/*
 * Establish the user's identity: --user / CT_USER / the LDAP entry holding
 * the login key / a prompt; then the login key (when that entry lists it)
 * or a password (prompt with echo off, or --password-stdin); then
 * membership of ldap.users_group.  Every failure the user could cause is
 * the same CT_ERR_NOT_AUTHENTICATED with no detail; the reason goes to
 * syslog.  For a caller who holds a login key the directory lists, the
 * agent link starts opening in the background meanwhile; any failure
 * drops it unused.
 */
enum ct_err session_authenticate(struct session *s, const char *user_flag, bool password_stdin,
                                 struct ct_error *err);
/* {"uid","uid_number","groups","key_fingerprint","client"} for agent requests. */
json_t *session_caller_json(const struct session *s);
/* A new agent request {"v":1,"op":op,"caller":{...}}. */
json_t *session_request(const struct session *s, const char *op);
/*
 * Send a request to the agent (on first use taking the link opened in the
 * background, or opening it now).
 */
enum ct_err session_call(struct session *s, json_t *request, const struct agent_events *events,
                         json_t **result, struct ct_error *err);
/*
 * What may be asked for (the data of the agent's "templates" answer:
 * templates, sizes, protocols, http, expiry, quota), fetched on first use
 * and kept; NULL when the agent cannot be asked.  Borrowed from s.
 */
json_t *session_catalog(struct session *s);
/* The catalog entry of template name, or NULL. */
json_t *session_catalog_template(struct session *s, const char *name);
void session_free(struct session *s);

#endif
