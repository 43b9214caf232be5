/*
 * Unit tests: gateway/repo-check.c and repo-answer.c without a network
 * (what an answer means, the info/refs URL, the branch picked, the checks
 * before any request), gateway.conf's repo section (gw-config.c), and
 * create's checks of the deploy values (create/create-repo.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "create-params.h"
#include "gw-config.h"
#include "repo-check.h"

#define TYPE "application/x-git-upload-pack-advertisement"
#define OID "8c1f4b3e0d5a6f7e8d9c0b1a2f3e4d5c6b7a8091"
/* git http-backend's answer for a repository with dev and main, HEAD at main */
#define REFS                                                                                       \
    "001e# service=git-upload-pack\n0000"                                                          \
    "005d" OID " HEAD\0symref=HEAD:refs/heads/main agent=git/2.39\n"                               \
    "003c" OID " refs/heads/dev\n"                                                                 \
    "003d" OID " refs/heads/main\n"                                                                \
    "0000"

static void expect_refusal(long status, const char *type, const char *body, size_t len,
                           const char *message)
{
    struct git_refs refs;
    struct ct_error err = {0};
    assert_int_equal(repo_check_classify(status, type, body, len, &refs, &err), CT_ERR_BAD_REQUEST);
    if (strcmp(err.detail, message) != 0) {
        fail_msg("HTTP %ld: '%s', not '%s'", status, err.detail, message);
    }
}

static void test_classify(void **state)
{
    (void)state;
    static const char refs[] = REFS;
    struct git_refs r;
    struct ct_error err = {0};
    assert_int_equal(repo_check_classify(200, TYPE, refs, sizeof(refs) - 1, &r, &err), CT_OK);
    assert_string_equal(r.default_branch, "main");
    assert_int_equal(repo_check_classify(200, "Application/X-Git-Upload-Pack-Advertisement; x=y",
                                         refs, sizeof(refs) - 1, &r, &err),
                     CT_OK);
    /* private and missing alike */
    expect_refusal(401, "text/plain", "", 0, "repository not found or not public");
    expect_refusal(403, NULL, "", 0, "repository not found or not public");
    expect_refusal(404, "text/html", "<html>", 6, "repository not found or not public");
    expect_refusal(500, NULL, "", 0, "not a git repository over smart HTTP (HTTP 500)");
    expect_refusal(301, NULL, "", 0, "not a git repository over smart HTTP (HTTP 301)");
    expect_refusal(410, NULL, "", 0, "not a git repository over smart HTTP (HTTP 410)");
    /* a dumb server, or a web page */
    expect_refusal(200, "text/plain", refs, sizeof(refs) - 1,
                   "not a git repository over smart HTTP (HTTP 200, not a git answer)");
    expect_refusal(200, NULL, refs, sizeof(refs) - 1,
                   "not a git repository over smart HTTP (HTTP 200, not a git answer)");
    expect_refusal(200, TYPE "x", refs, sizeof(refs) - 1,
                   "not a git repository over smart HTTP (HTTP 200, not a git answer)");
    expect_refusal(200, TYPE, "<html>", 6,
                   "not a git repository over smart HTTP (an unreadable ref list)");
    expect_refusal(200, TYPE, refs, sizeof(refs) - 2,
                   "not a git repository over smart HTTP (an unreadable ref list)");
    static const char v2[] = "001e# service=git-upload-pack\n0000000eversion 2\n0000";
    expect_refusal(200, TYPE, v2, sizeof(v2) - 1,
                   "not a git repository over smart HTTP (a protocol v2 answer)");
    static const char empty[] = "00450000000000000000000000000000000000000000 capabilities^{}\0"
                                "agent=x\n0000";
    expect_refusal(200, TYPE, empty, sizeof(empty) - 1, "the repository is empty");
    static const char tags[] = "003c" OID " refs/tags/v1.0\n0000";
    expect_refusal(200, TYPE, tags, sizeof(tags) - 1, "the repository has no branches");
}

static void test_refs_url(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        const char *refs;
    } cases[] = {
        {"https://git.example.org/alice/shop.git",
         "https://git.example.org/alice/shop.git/info/refs?service=git-upload-pack"},
        {"https://git.example.org/alice/shop/",
         "https://git.example.org/alice/shop/info/refs?service=git-upload-pack"},
        {"https://git.example.org/alice/shop//",
         "https://git.example.org/alice/shop/info/refs?service=git-upload-pack"},
        {"https://git.example.org", "https://git.example.org/info/refs?service=git-upload-pack"},
        {"https://git.example.org:443/a%20b",
         "https://git.example.org:443/a%20b/info/refs?service=git-upload-pack"},
    };
    char out[512];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_true(repo_check_refs_url(cases[i].url, out, sizeof(out)));
        assert_string_equal(out, cases[i].refs);
    }
    assert_false(repo_check_refs_url("https://git.example.org/alice/shop.git", out, 20));
}

/* An answer as repo_check_fetch leaves it, from text. */
static void answer_of(struct repo_answer *a, const char *body, size_t len)
{
    memset(a, 0, sizeof(*a));
    a->body = malloc(len + 1);
    assert_non_null(a->body);
    memcpy(a->body, body, len);
    a->len = len;
    assert_int_equal(pktline_parse_refs(a->body, a->len, &a->refs), PKTLINE_REFS);
}

static void test_branch(void **state)
{
    (void)state;
    static const char refs[] = REFS;
    struct repo_answer a;
    struct ct_error err = {0};
    char branch[256];
    answer_of(&a, refs, sizeof(refs) - 1);
    assert_int_equal(repo_check_branch(&a, NULL, branch, sizeof(branch), &err), CT_OK);
    assert_string_equal(branch, "main");
    assert_int_equal(repo_check_branch(&a, "", branch, sizeof(branch), &err), CT_OK);
    assert_string_equal(branch, "main");
    assert_int_equal(repo_check_branch(&a, "dev", branch, sizeof(branch), &err), CT_OK);
    assert_string_equal(branch, "dev");
    assert_int_equal(repo_check_branch(&a, "nope", branch, sizeof(branch), &err),
                     CT_ERR_BAD_REQUEST);
    assert_string_equal(err.detail, "no branch nope in the repository; its branches: dev, main");
    repo_answer_free(&a);

    /* more than ten: the first ten, then ", ..." */
    static char many[8192];
    size_t n = 0;
    n += (size_t)snprintf(many + n, sizeof(many) - n, "0032" OID " HEAD\n");
    for (int i = 0; i < 12; i++) {
        n += (size_t)snprintf(many + n, sizeof(many) - n, "003e" OID " refs/heads/br%03d\n", i);
    }
    n += (size_t)snprintf(many + n, sizeof(many) - n, "0000");
    answer_of(&a, many, n);
    assert_int_equal(repo_check_branch(&a, "x", branch, sizeof(branch), &err), CT_ERR_BAD_REQUEST);
    assert_string_equal(err.detail, "no branch x in the repository; its branches: br000, br001, "
                                    "br002, br003, br004, br005, br006, br007, br008, br009, ...");
    /* HEAD detached: no default to take */
    assert_int_equal(repo_check_branch(&a, NULL, branch, sizeof(branch), &err), CT_ERR_BAD_REQUEST);
    assert_non_null(strstr(err.detail, "the repository names no default branch: give --branch"));
    assert_int_equal(repo_check_branch(&a, "br011", branch, sizeof(branch), &err), CT_OK);
    repo_answer_free(&a);
}

static enum ct_err load(const char *repo_section, struct gw_config *cfg, struct ct_error *err)
{
    static const char base[] =
        "ldap = { uri = \"ldap://127.0.0.1:1\"; base = \"dc=x\"; users_group = \"ctgate-users\"; "
        "};\nagent = { host = \"hv1\"; };\ncreate = { default_template = \"busybox\"; };\n";
    char path[] = "/tmp/ctgate-test-repo-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, base, strlen(base)), (ssize_t)strlen(base));
    assert_int_equal(write(fd, repo_section, strlen(repo_section)), (ssize_t)strlen(repo_section));
    close(fd);
    enum ct_err rc = gwconf_load(path, cfg, err);
    unlink(path);
    return rc;
}

static void config_refused(const char *section, const char *why)
{
    static struct gw_config cfg;
    struct ct_error err = {0};
    assert_int_equal(load(section, &cfg, &err), CT_ERR_CONFIG);
    if (strstr(err.detail, why) == NULL) {
        fail_msg("'%s' does not say '%s'", err.detail, why);
    }
}

static void test_config(void **state)
{
    (void)state;
    static struct gw_config cfg;
    struct ct_error err = {0};
    assert_int_equal(load("", &cfg, &err), CT_OK);
    assert_false(cfg.repo.enabled);
    assert_int_equal(load("repo = { allowed_hosts = [ \"GitHub.com\", \".example.org\" ];\n"
                          "  denied_ranges = [ \"10.0.0.0/8\", \"fc00::/7\" ];\n"
                          "  pin = [ \"git.ctgate.test=10.213.77.1\" ];\n"
                          "  ca_file = \"/etc/ctgate/rig-ca.pem\"; timeout = 7; };\n",
                          &cfg, &err),
                     CT_OK);
    assert_true(cfg.repo.enabled);
    assert_int_equal(cfg.repo.policy.nallowed, 2);
    assert_string_equal(cfg.repo.policy.allowed_hosts[0], "github.com");
    assert_int_equal(cfg.repo.policy.ndenied, 2);
    assert_string_equal(cfg.repo.policy.pins[0].host, "git.ctgate.test");
    assert_string_equal(cfg.repo.policy.pins[0].address, "10.213.77.1");
    assert_string_equal(cfg.repo.ca_file, "/etc/ctgate/rig-ca.pem");
    assert_int_equal(cfg.repo.timeout_s, 7);
    assert_int_equal(cfg.repo.connect_timeout_s, 10);

    config_refused("repo = { };", "repo.allowed_hosts must be a list of 1 to 32");
    config_refused("repo = { allowed_hosts = []; };", "repo.allowed_hosts must be a list");
    config_refused("repo = { allowed_hosts = \"github.com\"; };", "must be a list");
    config_refused("repo = { allowed_hosts = [ \"https://github.com\" ]; };",
                   "repo.allowed_hosts: \"https://github.com\" is not one of host names");
    config_refused("repo = { allowed_hosts = [ \"a\" ]; denied_ranges = [ \"10.0.0.0/33\" ]; };",
                   "repo.denied_ranges: \"10.0.0.0/33\"");
    config_refused("repo = { allowed_hosts = [ \"a\" ]; pin = [ \"a=b\" ]; };",
                   "repo.pin: \"a=b\"");
    config_refused("repo = { allowed_hosts = [ \"a\" ]; ca_file = \"ca.pem\"; };",
                   "repo.ca_file must be an absolute path");
    config_refused("repo = { allowed_hosts = [ \"a\" ]; timeout = 0; };", "repo.timeout");
    config_refused("repo = { allowed_hosts = [ \"a\" ]; timeout = 121; };", "repo.timeout");
    config_refused("repo = \"yes\";", "repo must be a group");
}

/* A session with a gateway's configuration and nothing else (no network, no login). */
static struct session *session_with(const char *section)
{
    static struct session s;
    struct ct_error err = {0};
    memset(&s, 0, sizeof(s));
    assert_int_equal(load(section, &s.cfg, &err), CT_OK);
    return &s;
}

static void set(struct param_values *v, enum ct_param_id id, const char *text)
{
    char why[256];
    assert_true(ct_param_from_text(id, text, &v->v[id], why, sizeof(why)));
}

static void expect_precheck(struct session *s, struct param_values *v, enum ct_err want,
                            const char *detail)
{
    struct ct_error err = {0};
    assert_int_equal(create_repo_precheck(s, v, &err), want);
    if (detail != NULL && strcmp(err.detail, detail) != 0) {
        fail_msg("'%s', not '%s'", err.detail, detail);
    }
}

static void test_create_checks(void **state)
{
    (void)state;
    struct param_values v;
    struct session *without = session_with("");
    memset(&v, 0, sizeof(v));
    expect_precheck(without, &v, CT_OK, NULL);
    set(&v, CT_P_INSTALL, "npm ci");
    expect_precheck(without, &v, CT_ERR_BAD_REQUEST, "--install needs --repo");
    param_values_free(&v);
    memset(&v, 0, sizeof(v));
    set(&v, CT_P_BRANCH, "main");
    expect_precheck(without, &v, CT_ERR_BAD_REQUEST, "--branch needs --repo");
    set(&v, CT_P_REPO, "https://github.com/a/b.git");
    expect_precheck(without, &v, CT_ERR_BAD_REQUEST, "this gateway does not deploy repositories");
    /* the same through repo_check_fetch, should it be called */
    struct repo_answer a;
    struct ct_error err = {0};
    assert_int_equal(repo_check_fetch(&without->cfg.repo, "https://github.com/a/b.git", &a, &err),
                     CT_ERR_BAD_REQUEST);
    assert_string_equal(err.detail, "this gateway does not deploy repositories");
    repo_answer_free(&a);
    param_values_free(&v);

    struct session *with =
        session_with("repo = { allowed_hosts = [ \"github.com\", \"local.test\" ];"
                     " pin = [ \"local.test=127.0.0.1\" ]; };");
    memset(&v, 0, sizeof(v));
    set(&v, CT_P_START, "node server.js");
    v.ask[CT_P_REPO] = true; /* on a terminal the repository is still to be asked */
    expect_precheck(with, &v, CT_OK, NULL);
    v.ask[CT_P_REPO] = false;
    expect_precheck(with, &v, CT_ERR_BAD_REQUEST, "--start needs --repo");
    set(&v, CT_P_REPO, "https://github.com/a/b.git");
    expect_precheck(with, &v, CT_OK, NULL);
    param_values_free(&v);
    memset(&v, 0, sizeof(v));
    set(&v, CT_P_REPO, "https://gitlab.com/a/b.git");
    expect_precheck(
        with, &v, CT_ERR_BAD_REQUEST,
        "repository URL refused: the host is not on the list of allowed hosts");
    param_values_free(&v);
    /* a pin to loopback: refused before any request */
    assert_int_equal(repo_check_fetch(&with->cfg.repo, "https://local.test/a.git", &a, &err),
                     CT_ERR_BAD_REQUEST);
    assert_string_equal(err.detail, "repository URL refused: the host resolves to an address the "
                                    "gateway may not reach");
    repo_answer_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),      cmocka_unit_test(test_refs_url),
        cmocka_unit_test(test_branch),        cmocka_unit_test(test_config),
        cmocka_unit_test(test_create_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
