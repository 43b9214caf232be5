/* repo-answer.c - what a git host's info/refs answer means; see repo-check.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "deploy-validate.h"
#include "repo-check.h"
#include "strcopy.h"

#define SMART_TYPE "application/x-git-upload-pack-advertisement"
#define BRANCH_LIST_MAX 160 /* the part of a message that lists branches */

static enum ct_err refuse(struct ct_error *err, const char *why)
{
    return ct_error_set(err, CT_ERR_BAD_REQUEST, "%s", why);
}

/* The media type without parameters, any case, as git's http.c compares it. */
static bool smart_type(const char *type)
{
    size_t n = strlen(SMART_TYPE);
    if (type == NULL || strncasecmp(type, SMART_TYPE, n) != 0) {
        return false;
    }
    type += n;
    while (*type == ' ' || *type == '\t') {
        type++;
    }
    return *type == '\0' || *type == ';';
}

enum ct_err repo_check_classify(long status, const char *content_type, const char *body, size_t len,
                                struct git_refs *refs, struct ct_error *err)
{
    if (status == 401 || status == 403 || status == 404) {
        return refuse(err, "repository not found or not public");
    }
    if (status != 200) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST,
                            "not a git repository over smart HTTP (HTTP %ld)", status);
    }
    if (!smart_type(content_type)) {
        return refuse(err, "not a git repository over smart HTTP (HTTP 200, not a git answer)");
    }
    switch (pktline_parse_refs(body, len, refs)) {
    case PKTLINE_REFS:
        break;
    case PKTLINE_EMPTY:
        return refuse(err, "the repository is empty");
    case PKTLINE_V2:
        return refuse(err, "not a git repository over smart HTTP (a protocol v2 answer)");
    case PKTLINE_BAD:
    default:
        return refuse(err, "not a git repository over smart HTTP (an unreadable ref list)");
    }
    if (refs->nbranches == 0) {
        return refuse(err, "the repository has no branches");
    }
    return CT_OK;
}

/* "a, b, c" or "a, b, ..." when there are more (or they do not all fit). */
static void branch_list(const struct git_refs *refs, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < refs->nnames; i++) {
        size_t need = strlen(refs->names[i]) + (i > 0 ? 2 : 0);
        if (used + need + 5 >= len) { /* room for ", ..." */
            snprintf(out + used, len - used, "%s...", i > 0 ? ", " : "");
            return;
        }
        used += (size_t)snprintf(out + used, len - used, "%s%s", i > 0 ? ", " : "", refs->names[i]);
    }
    if (refs->nbranches > refs->nnames) {
        snprintf(out + used, len - used, ", ...");
    }
}

enum ct_err repo_check_branch(const struct repo_answer *answer, const char *branch, char *out,
                              size_t len, struct ct_error *err)
{
    const struct git_refs *refs = &answer->refs;
    char list[BRANCH_LIST_MAX];
    branch_list(refs, list, sizeof(list));
    if (branch != NULL && branch[0] != '\0') {
        if (!git_refs_has_branch(refs, branch)) {
            return ct_error_set(err, CT_ERR_BAD_REQUEST,
                                "no branch %.60s in the repository; its branches: %s", branch,
                                list);
        }
        return str_copy(out, len, branch)
                   ? CT_OK
                   : ct_error_set(err, CT_ERR_BAD_REQUEST, "branch too long");
    }
    const char *def = refs->default_branch;
    if (def[0] == '\0' || !git_refs_has_branch(refs, def)) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST,
                            "the repository names no default branch: give --branch (its "
                            "branches: %s)",
                            list);
    }
    if (!validate_git_branch(def) || !str_copy(out, len, def)) {
        return ct_error_set(err, CT_ERR_BAD_REQUEST,
                            "the repository's default branch is not a name ctgate takes: give "
                            "--branch (its branches: %s)",
                            list);
    }
    return CT_OK;
}
