/* session.c - see session.h. */
#include "session.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "prompt.h"
#include "validate.h"
#include "strcopy.h"

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

static enum ct_err choose_user(struct session *s, struct ldap_dir *dir, const char *user_flag,
                               char *user, size_t len, struct ct_error *err)
{
    const char *given = user_flag != NULL ? user_flag : startup_ct(&s->env, "CT_USER");
    char by_key[CT_UID_MAX + 1] = "";
    enum ct_err rc;

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
        (rc = ldap_dir_uid_for_key(dir, &s->login_key, by_key, sizeof(by_key), err)) != CT_OK) {
        return rc;
    }
    if (by_key[0] == '\0' && s->tty_in) {
        /* The login key names nobody: ask (a key that does name someone is not questioned). */
        return ask_user(s, user, len, err);
    }
    if (by_key[0] == '\0') {
        return ct_error_set(err, CT_ERR_BAD_REQUEST,
                            "missing LDAP user: give --user NAME or CT_USER=NAME (no directory "
                            "entry lists the key you logged in with)");
    }
    return str_copy(user, len, by_key) ? CT_OK
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

enum ct_err session_authenticate(struct session *s, const char *user_flag, bool password_stdin,
                                 struct ct_error *err)
{
    struct ldap_dir *dir = NULL;
    struct ldap_user entry;
    char user[CT_UID_MAX + 1] = "";
    char password[PROMPT_LINE_MAX + 1] = "";
    const char *reason = NULL;
    enum ct_err rc;

    if ((rc = ldap_dir_open(&s->cfg, &dir, err)) != CT_OK) {
        log_error("LDAP %s: %s", s->cfg.ldap_uri, err->detail);
        goto out;
    }
    if ((rc = choose_user(s, dir, user_flag, user, sizeof(user), err)) != CT_OK ||
        (rc = ldap_dir_lookup(dir, user, s->has_login_key ? &s->login_key : NULL, &entry, err)) !=
            CT_OK) {
        goto out;
    }
    /* Groups are read before any user bind, with the connection's own rights. */
    if (entry.found && (rc = ldap_dir_groups(dir, &entry, s->id.groups, LDAP_DIR_GROUPS_MAX,
                                             &s->id.ngroups, err)) != CT_OK) {
        goto out;
    }
    if (!(entry.found && entry.key_matches)) {
        /* Asked of everyone, known or not, so the answer reveals nothing. */
        if ((rc = get_password(s, password_stdin, user, password, sizeof(password), err)) !=
            CT_OK) {
            goto out;
        }
        if (!entry.found) {
            reason = "unknown user";
        } else if ((rc = ldap_dir_bind(dir, entry.dn, password, err)) != CT_OK) {
            if (rc != CT_ERR_NOT_AUTHENTICATED) {
                goto out;
            }
            reason = err->detail[0] != '\0' ? "wrong or empty password" : "bind refused";
        }
    }
    if (reason == NULL && !in_group(&s->id, s->cfg.ldap_users_group)) {
        reason = "not in the users group";
    }
    if (reason != NULL) {
        log_warn("authentication failed: user=%s client=%s key=%s: %s", user,
                 s->env.client[0] ? s->env.client : "-",
                 s->has_login_key ? s->key_fingerprint : "-", reason);
        memset(&s->id, 0, sizeof(s->id));
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
    sodium_memzero(password, sizeof(password));
    ldap_dir_close(dir);
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
        enum ct_err rc = agent_link_open(&s->cfg, &s->link, err);
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
    agent_link_close(s->link);
    s->link = NULL;
    if (s->has_login_key) {
        pubkey_free(&s->login_key);
        s->has_login_key = false;
    }
    startup_env_free(&s->env);
}
