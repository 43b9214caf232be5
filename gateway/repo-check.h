/*
 * repo-check.h - is --repo a public git repository over smart HTTP, and
 * which branch is deployed?  (SPEC §3 deploy/branch, §9 SSRF)
 *
 * repo_check_fetch() runs, before anything is created: the URL and
 * address rules (repo-url.h, the gateway's repo section), then one
 * libcurl request `GET <URL without trailing '/'>/info/refs?service=
 * git-upload-pack` without credentials (User-Agent "git/2 (ctgate)"),
 * pinned to the checked address (CURLOPT_RESOLVE), https only, no
 * redirect followed, no proxy, the configured CA file and timeouts, the
 * answer capped at REPO_ANSWER_MAX (repo-check.c); then reads the answer
 * (repo_check_classify, repo-answer.c):
 *   200 + application/x-git-upload-pack-advertisement + a ref list: public;
 *   401, 403, 404: "repository not found or not public" (a host without
 *     credentials answers private and missing alike; never guessed);
 *   anything else: "not a git repository over smart HTTP (HTTP N)".
 * repo_check_branch() then picks the branch: the one asked for when it
 * exists (else the message names up to 10 there are), or the default
 * (HEAD's symref).  Every refusal is CT_ERR_BAD_REQUEST with a detail for
 * the user; no message names the address.
 *
 * struct repo_answer owns its body: repo_answer_free().  Not thread-safe
 * only in that libcurl's global init may run on first use.
 */
#ifndef CTGATE_REPO_CHECK_H
#define CTGATE_REPO_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "gw-config.h"
#include "pktline.h"
#include "repo-policy.h"

#define REPO_ANSWER_MAX ((size_t)4 * 1024 * 1024) /* a bigger ref list is refused, not read */
#define REPO_USER_AGENT "git/2 (ctgate)"          /* some hosts answer git clients only */

struct repo_answer {
    char host[REPO_HOST_MAX + 1];   /* lower case, as in the URL */
    char address[REPO_ADDRESS_MAX]; /* the one the request went to: the agent pins its clone */
    char *body;                     /* the ref advertisement, NUL-terminated */
    size_t len;
    struct git_refs refs; /* borrows body */
};

/* The check of url (above) into out; out needs repo_answer_free() whatever the result. */
enum ct_err repo_check_fetch(const struct gw_repo *cfg, const char *url, struct repo_answer *out,
                             struct ct_error *err);
/* The branch to deploy into out: branch when advertised, or the default (branch NULL or ""). */
enum ct_err repo_check_branch(const struct repo_answer *answer, const char *branch, char *out,
                              size_t len, struct ct_error *err);
void repo_answer_free(struct repo_answer *answer);

/* The parts without a network, tested alone. */
/* repo-answer.c: status, content type (NULL: none) and body into refs, or the refusal. */
enum ct_err repo_check_classify(long status, const char *content_type, const char *body, size_t len,
                                struct git_refs *refs, struct ct_error *err);
/* repo-check.c: url's "<path without trailing '/'>/info/refs?service=git-upload-pack". */
bool repo_check_refs_url(const char *url, char *out, size_t len);

#endif
