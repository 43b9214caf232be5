/* session.c - see session.h. */
#include "session.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "prompt.h"
#include "validate.h"
#include "strcopy.h"
#include "throttle.h"

static enum ct_err ask_user(struct session *s, char *user, size_t len, struct ct_error *err)
{
    char answer[PROMPT_LINE_MAX + 1];
    for (int i = 0; i < PROMPT_TRIES; i++) {
        enum ct_err rc = prompt_ask("LDAP user: ", true, s->cfg.prompt_timeout_s, answer,
                                    sizeof(answer), err);
        if (rc != CT_OK) {
            return rc;
        }
        if (validate_uid(answer) && str_copy(user, len, answer)) {
            return CT_OK;
        }
        fprintf(stderr, "  not a user name (lower-case letters, digits, _ and -; at most %d)\n",
                CT_UID_MAX);
    }
    return ct_error_set(err, CT_ERR_BAD_REQUEST, "no valid user name after %d tries",
                        PROMPT_TRIES);
}

/* The directory connection, opened on first need (never before the user's words are read). */
static enum ct_err need_dir(struct session *s, struct ldap_dir **dir, struct ct_error *err)
{
    if (*dir != NULL) {
        return CT_OK;
    }
    enum ct_err rc = ldap_dir_open(&s->cfg, dir, err);
    if (rc != CT_OK) {
        log_error("LDAP %s: %s", s->cfg.ldap_uri, err->detail);
    }
    return rc;
}

/* Closed before any prompt: a slow or silent user holds no LDAP connection. */
static void drop_dir(struct ldap_dir **dir)
{
    ldap_dir_close(*dir);
    *dir = NULL;
}

/* *by_key: the name came from the LDAP entry that lists the login key (no guess was made). */
static enum ct_err choose_user(struct session *s, struct ldap_dir **dir, const char *user_flag,
                               char *user, size_t len, bool *by_key, struct ct_error *err)
{
    const char *given = user_flag != NULL ? user_flag : startup_ct(&s->env, "CT_USER");
    char found[CT_UID_MAX + 1] = "";
    enum ct_err rc;

    *by_key = false;
    if (given != NULL) {
        if (!validate_uid(given)) {
            return ct_error_set(err, CT_ERR_BAD_REQUEST,
                                "--user / CT_USER: not a user name (lower-case letters, digits, "
                                "_ and -; at most %d)",
                                CT_UID_MAX);
        }
        return str_copy(user, len, given) ? CT_OK
                                          : ct_error_set(err, CT_ERR_BAD_REQUEST, "user too long");
    }
    if (s->has_login_key &&
        ((rc = need_dir(s, dir, err)) != CT_OK ||
         (rc = ldap_dir_uid_for_key(*dir, &s->login_key, found, sizeof(found), err)) != CT_OK)) {
        return rc;
    }
    if (found[0] == '\0' && s->tty_in) {
        /* The login key names nobody: ask (a key that does name someone is not questioned). */
        drop_dir(dir);
        return ask_user(s, user, len, err);
    }
    if (found[0] == '\0') {
        return ct_error_set(err, CT_ERR_BAD_REQUEST,
                            "missing LDAP user: give --user NAME or CT_USER=NAME (no directory "
                            "entry lists the key you logged in with)");
    }
    *by_key = true;
    return str_copy(user, len, found) ? CT_OK
                                      : ct_error_set(err, CT_ERR_BAD_REQUEST, "user too long");
}

static enum ct_err get_password(struct session *s, bool password_stdin, const char *user,
                                char *out, size_t len, struct ct_error *err)
{
    if (password_stdin) { /* on a terminal (ssh -tt), never echoed back */
        prompt_hide_input();
        enum ct_err rc = prompt_read_line(s->cfg.prompt_timeout_s, out, len, err);
        prompt_show_input();
        return rc;
    }
    if (!s->tty_in) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST,
                            "a password is needed: send it as one line on stdin with "
                            "--password-stdin, or connect with a terminal (ssh -t)");
    }
    char question[96];
    snprintf(question, sizeof(question), "Password for %s: ", user);
    return prompt_ask(question, false, s->cfg.prompt_timeout_s, out, len, err);
}

static bool in_group(const struct identity *id, const char *group)
{
    for (size_t i = 0; i < id->ngroups; i++) {
        if (strcmp(id->groups[i], group) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * The password of a login that is not by key: read (so a refusal looks like
 * any other), then checked by a bind unless the throttle already refuses
 * it.  *reason is set when it is wrong; a backend error is returned.
 */
static enum ct_err check_password(struct session *s, struct ldap_dir **dir,
                                  const struct ldap_user *entry, const char *user,
                                  bool password_stdin, bool throttled, const char **reason,
                                  struct ct_error *err)
{
    char password[PROMPT_LINE_MAX + 1] = "";
    const struct throttle_policy *tp = &s->cfg.throttle;
    enum ct_err rc;

    drop_dir(dir); /* not held while the user types */
    /* Asked of everyone, known or not, throttled or not, so the answer reveals nothing. */
    if ((rc = get_password(s, password_stdin, user, password, sizeof(password), err)) != CT_OK) {
        goto out;
    }
    if (throttled) {
        *reason = "too many failures (throttled; no bind made)";
    } else if (!entry->found) {
        *reason = "unknown user";
    } else if ((rc = need_dir(s, dir, err)) != CT_OK) {
        goto out;
    } else if ((rc = ldap_dir_bind(*dir, entry->dn, password, err)) != CT_OK) {
        if (rc != CT_ERR_NOT_AUTHENTICATED) {
            goto out;
        }
        rc = CT_OK;
        *reason = err->detail[0] != '\0' ? "wrong or empty password" : "bind refused";
    }
    if (*reason != NULL && !throttled) {
        rc = throttle_failed(tp, user, s->env.client, time(NULL), err);
    } else if (*reason == NULL) {
        rc = throttle_succeeded(tp, user, err);
    }
out:
    sodium_memzero(password, sizeof(password));
    return rc;
}

/*
 * Start opening the agent link while the directory answers
 * (agent-prefetch.h), only for a caller who holds a login key the
 * directory lists: ctgate costs nothing for someone who is not
 * authenticated, so a login with a password alone (a throttled or unknown
 * user, a guess) never reaches the agent before the password is checked.
 * Each call below says how the key is known to be listed.
 */
static void start_agent_early(struct session *s)
{
    if (s->link == NULL && s->agent_early) {
        agent_prefetch_start(&s->cfg, &s->agent_prefetch);
    }
}

enum ct_err session_authenticate(struct session *s, const char *user_flag, bool password_stdin,
                                 struct ct_error *err)
{
    struct ldap_dir *dir = NULL;
    struct ldap_user entry;
    char user[CT_UID_MAX + 1] = "";
    const char *reason = NULL;
    bool by_key = false;
    bool throttled = false;
    enum ct_err rc;

    memset(&entry, 0, sizeof(entry));
    if (s->cfg.keys_admit == GW_ADMIT_LDAP_KEYS && s->has_login_key) {
        start_agent_early(s); /* sshd let the key in only because the directory lists it */
    }
    if ((rc = choose_user(s, &dir, user_flag, user, sizeof(user), &by_key, err)) != CT_OK) {
        goto out;
    }
    if (by_key) {
        start_agent_early(s); /* the chosen user's entry lists the login key */
    }
    /*
     * A name the user gave (not one their LDAP-listed key proved) is
     * checked against the throttle before the directory hears of it: over
     * the limit, nothing is searched and nothing is bound, so ctgate stops
     * long before the directory's own lockout (ppolicy) would count.
     */
    if (!by_key && (rc = throttle_blocked(&s->cfg.throttle, user, s->env.client, time(NULL),
                                          &throttled, err)) != CT_OK) {
        goto out;
    }
    if (!throttled) {
        if ((rc = need_dir(s, &dir, err)) != CT_OK ||
            (rc = ldap_dir_lookup(dir, user, s->has_login_key ? &s->login_key : NULL, &entry,
                                  err)) != CT_OK) {
            goto out;
        }
        /* Groups are read before any user bind, with the connection's own rights. */
        if (entry.found && (rc = ldap_dir_groups(dir, &entry, s->id.groups, LDAP_DIR_GROUPS_MAX,
                                                 &s->id.ngroups, err)) != CT_OK) {
            goto out;
        }
    }
    if (!(entry.found && entry.key_matches) &&
        (rc = check_password(s, &dir, &entry, user, password_stdin, throttled, &reason, err)) !=
            CT_OK) {
        goto out;
    }
    if (reason == NULL && !in_group(&s->id, s->cfg.ldap_users_group)) {
        reason = "not in the users group";
    }
    if (reason != NULL) {
        log_warn("authentication failed: user=%s client=%s key=%s: %s", user,
                 s->env.client[0] ? s->env.client : "-",
                 s->has_login_key ? s->key_fingerprint : "-", reason);
        memset(&s->id, 0, sizeof(s->id));
        drop_dir(&dir);
        throttle_delay(&s->cfg.throttle); /* every failure costs the guesser time */
        rc = CT_ERR_NOT_AUTHENTICATED;
        err->code = rc;
        err->detail[0] = '\0';
        goto out;
    }
    str_copy(s->id.uid, sizeof(s->id.uid), entry.uid); /* same sizes: always fits */
    str_copy(s->id.dn, sizeof(s->id.dn), entry.dn);
    s->id.uid_number = entry.uid_number;
    s->id.by_key = entry.key_matches;
    s->authenticated = true;
    log_info("authenticated: user=%s by=%s client=%s key=%s", s->id.uid,
             s->id.by_key ? "key" : "password", s->env.client[0] ? s->env.client : "-",
             s->has_login_key ? s->key_fingerprint : "-");
out:
    ldap_dir_close(dir);
    if (rc != CT_OK) {
        agent_prefetch_drop(&s->agent_prefetch); /* not one request on it */
    }
    return rc;
}

json_t *session_caller_json(const struct session *s)
{
    json_t *groups = json_array();
    for (size_t i = 0; groups != NULL && i < s->id.ngroups; i++) {
        json_array_append_new(groups, json_string(s->id.groups[i]));
    }
    json_t *caller = json_pack("{s:s, s:I, s:o}", "uid", s->id.uid, "uid_number",
                               (json_int_t)s->id.uid_number, "groups", groups);
    /* Absent values are left out: the agent refuses null. */
    if (caller != NULL && s->has_login_key) {
        json_object_set_new(caller, "key_fingerprint", json_string(s->key_fingerprint));
    }
    if (caller != NULL && s->env.client[0] != '\0') {
        json_object_set_new(caller, "client", json_string(s->env.client));
    }
    return caller;
}

json_t *session_request(const struct session *s, const char *op)
{
    return json_pack("{s:i, s:s, s:o}", "v", 1, "op", op, "caller", session_caller_json(s));
}

enum ct_err session_call(struct session *s, json_t *request, const struct agent_events *events,
                         json_t **result, struct ct_error *err)
{
    if (request == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    if (s->link == NULL) {
        enum ct_err rc = agent_prefetch_take(&s->agent_prefetch, &s->cfg, &s->link, err);
        if (rc != CT_OK) {
            return rc;
        }
    }
    return agent_link_call(s->link, request, events, result, err);
}

json_t *session_catalog(struct session *s)
{
    if (s->catalog == NULL) {
        struct ct_error err = {0};
        json_t *result = NULL;
        json_t *req = session_request(s, "templates");
        if (session_call(s, req, NULL, &result, &err) == CT_OK &&
            json_is_true(json_object_get(result, "ok")) &&
            json_is_object(json_object_get(result, "data"))) {
            s->catalog = json_incref(json_object_get(result, "data"));
        }
        json_decref(result);
        json_decref(req);
    }
    return s->catalog;
}

json_t *session_catalog_template(struct session *s, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach (json_object_get(session_catalog(s), "templates"), i, t) {
        const char *n = json_string_value(json_object_get(t, "name"));
        if (name != NULL && n != NULL && strcmp(n, name) == 0) {
            return t;
        }
    }
    return NULL;
}

void session_free(struct session *s)
{
    json_decref(s->catalog);
    s->catalog = NULL;
    agent_prefetch_drop(&s->agent_prefetch); /* a command that never called the agent */
    agent_link_close(s->link);
    s->link = NULL;
    if (s->has_login_key) {
        pubkey_free(&s->login_key);
        s->has_login_key = false;
    }
    startup_env_free(&s->env);
}
