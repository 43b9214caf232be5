/*
 * create-repo.c - `create --repo URL [--branch B]`: the repository is
 * checked (repo-check.h) after login and before the agent is asked for
 * anything; see create-params.h and create-parts.h.
 *
 * The answer of the check is kept for the rest of this create (one per
 * process: the gateway runs one command), so the questions, the summary
 * and the request see the same refs and the same address with one
 * request to the git host.
 */
#include <stdio.h>
#include <string.h>

#include "create-params.h"
#include "create-parts.h"
#include "repo-check.h"
#include "repo-url.h"
#include "strcopy.h"

static struct {
    bool have; /* answer is the accepted answer for url */
    char url[REPO_URL_MAX + 1];
    struct repo_answer answer;
} checked;

/* The parameters that mean nothing without a repository. */
static const enum ct_param_id deploy_only[] = {CT_P_BRANCH, CT_P_APP_ROOT, CT_P_INSTALL, CT_P_BUILD,
                                               CT_P_START,  CT_P_ENV,      CT_P_SERVICES};

void create_repo_forget(void)
{
    repo_answer_free(&checked.answer);
    checked.have = false;
    checked.url[0] = '\0';
}

/* The check of url, once. */
static enum ct_err check(struct session *s, const char *url, struct ct_error *err)
{
    if (checked.have && strcmp(checked.url, url) == 0) {
        return CT_OK;
    }
    create_repo_forget();
    if (!str_copy(checked.url, sizeof(checked.url), url)) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "repository URL refused: too long");
    }
    enum ct_err rc = repo_check_fetch(&s->cfg.repo, url, &checked.answer, err);
    if (rc != CT_OK) {
        create_repo_forget();
        return rc;
    }
    checked.have = true;
    return CT_OK;
}

/* A deploy value given without a repository to deploy: its flag, else NULL. */
static const char *needs_repo(const struct param_values *values, bool repo_to_come)
{
    if (values->v[CT_P_REPO].set || repo_to_come) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(deploy_only) / sizeof(deploy_only[0]); i++) {
        if (values->v[deploy_only[i]].set) {
            return ct_params[deploy_only[i]].flag;
        }
    }
    return NULL;
}

enum ct_err create_repo_precheck(const struct session *s, const struct param_values *values,
                                 struct ct_error *err)
{
    const char *url = values->v[CT_P_REPO].text;
    const char *flag = needs_repo(values, values->ask[CT_P_REPO] && s->cfg.repo.enabled);
    char host[REPO_HOST_MAX + 1];
    if (flag != NULL) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "--%s needs --repo", flag);
    }
    if (!values->v[CT_P_REPO].set) {
        return CT_OK;
    }
    if (!s->cfg.repo.enabled) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "this gateway does not deploy repositories");
    }
    return repo_url_check_syntax(url, &s->cfg.repo.policy, host, sizeof(host), err);
}

enum ct_err create_repo_settle(struct session *s, struct param_values *values, struct ct_error *err)
{
    const char *flag = needs_repo(values, false);
    char branch[GIT_BRANCH_NAME_MAX + 1];
    char why[256] = "";
    struct ct_param_value *b = &values->v[CT_P_BRANCH];
    if (flag != NULL) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "--%s needs --repo", flag);
    }
    if (!values->v[CT_P_REPO].set) {
        return CT_OK;
    }
    enum ct_err rc = check(s, values->v[CT_P_REPO].text, err);
    if (rc != CT_OK || (rc = repo_check_branch(&checked.answer, b->set ? b->text : NULL, branch,
                                               sizeof(branch), err)) != CT_OK) {
        return rc;
    }
    if (!b->set && !ct_param_from_text(CT_P_BRANCH, branch, b, why, sizeof(why))) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "the repository's default branch: %s", why);
    }
    return CT_OK;
}

int create_repo_to_request(json_t *req)
{
    if (!checked.have) {
        return 0;
    }
    return json_object_set_new(req, "repo_address", json_string(checked.answer.address));
}

/* --- the questions ---------------------------------------------------------- */

bool create_ask_repo(struct session *s, const struct param_values *so_far)
{
    (void)so_far;
    return s->cfg.repo.enabled;
}

bool create_ask_branch(struct session *s, const struct param_values *so_far)
{
    struct ct_error err = {0};
    /* without a repository that passed, there is no branch to ask for (the error comes later) */
    return so_far->v[CT_P_REPO].set && check(s, so_far->v[CT_P_REPO].text, &err) == CT_OK;
}

bool create_live_repo(struct session *s, const struct param_values *so_far, const char *value,
                      char *why, size_t len)
{
    (void)so_far;
    struct ct_error err = {0};
    if (check(s, value, &err) != CT_OK) {
        snprintf(why, len, "%s", err.detail);
        return false;
    }
    return true;
}

bool create_live_branch(struct session *s, const struct param_values *so_far, const char *value,
                        char *why, size_t len)
{
    struct ct_error err = {0};
    char branch[GIT_BRANCH_NAME_MAX + 1];
    if (check(s, so_far->v[CT_P_REPO].text, &err) != CT_OK ||
        repo_check_branch(&checked.answer, value, branch, sizeof(branch), &err) != CT_OK) {
        snprintf(why, len, "%s", err.detail);
        return false;
    }
    return true;
}

void create_default_branch(struct session *s, const struct param_values *so_far, char *out,
                           size_t len, char *shown, size_t shownlen)
{
    struct ct_error err = {0};
    /* before login (param_resolve) nothing is fetched: create_repo_settle picks it then */
    if (!s->authenticated || !so_far->v[CT_P_REPO].set ||
        check(s, so_far->v[CT_P_REPO].text, &err) != CT_OK ||
        repo_check_branch(&checked.answer, NULL, out, len, &err) != CT_OK) {
        out[0] = '\0';
        return;
    }
    snprintf(shown, shownlen, "%s", out);
}
