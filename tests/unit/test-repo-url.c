/* Unit tests: shared/repo-url.c and shared/repo-policy.c (the SSRF rules for repository URLs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "repo-url.h"

static const char *const allowed[] = {
    "127.0.0.1",          "localhost",   "git.example.test", ".hub.test", "[::1]",    "10.1.2.3",
    "[::ffff:127.0.0.1]", "Pinned.Test", "metadata.test",    "good.test", "192.0.2.1"};
static const char *const denied[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"};
static const char *const pins[] = {"pinned.test=192.0.2.7", "METADATA.test=169.254.169.254",
                                   "good.test=2001:0db8:0:0::0001"};
static struct repo_policy policy;

static int setup(void **state)
{
    (void)state;
    memset(&policy, 0, sizeof(policy));
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        assert_true(repo_policy_add_host(&policy, allowed[i]));
    }
    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
        assert_true(repo_policy_add_range(&policy, denied[i]));
    }
    for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
        assert_true(repo_policy_add_pin(&policy, pins[i]));
    }
    return 0;
}

static void expect_refused(const char *url, const char *why_part)
{
    char host[256];
    char address[REPO_ADDRESS_MAX];
    struct ct_error err = {0};
    assert_int_equal(
        repo_url_check(url, &policy, host, sizeof(host), address, sizeof(address), &err),
        CT_ERR_BAD_REQUEST);
    if (strstr(err.detail, why_part) == NULL) {
        fail_msg("%s: '%s' does not say '%s'", url, err.detail, why_part);
    }
}

static void test_scheme_and_shape(void **state)
{
    (void)state;
    expect_refused("http://git.example.test/r.git", "only https");
    expect_refused("file:///etc/passwd", "only https");
    expect_refused("ftp://git.example.test/r", "only https");
    expect_refused("gopher://127.0.0.1:6379/_FLUSHALL", "only https");
    expect_refused("https://user:pw@git.example.test/r.git", "no user name");
    expect_refused("https://user@git.example.test/r.git", "no user name");
    expect_refused("https://git.example.test:22/r.git", "port 443");
    expect_refused("https://git.example.test/a b", "spaces or control");
    expect_refused("https://git.example.test/\n", "spaces or control");
    expect_refused("not a url", "spaces");
    expect_refused("://", "not a URL");
    char big[REPO_URL_MAX + 32];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, "https://git.example.test/", 25);
    expect_refused(big, "too long");
}

static void test_hosts(void **state)
{
    (void)state;
    expect_refused("https://evil.test/r.git", "not on the list");
    expect_refused("https://git.example.test.evil.test/r.git", "not on the list");
    expect_refused("https://hub.test/r.git",
                   "not on the list"); /* ".hub.test": below only */
    expect_refused("https://169.254.169.254/latest/meta-data", "not on the list");
}

static void test_addresses(void **state)
{
    (void)state;
    /* Allowed by name, refused by where they lead. */
    expect_refused("https://127.0.0.1/r.git", "may not reach");
    expect_refused("https://localhost/r.git", "may not reach");
    expect_refused("https://[::1]/r.git", "may not reach");
    expect_refused("https://[::ffff:127.0.0.1]/r.git", "may not reach");
    expect_refused("https://10.1.2.3/r.git", "may not reach"); /* the admin's RFC 1918 range */
    expect_refused("https://LOCALHOST/r.git", "may not reach");
}

static void test_ranges(void **state)
{
    (void)state;
    assert_true(repo_range_valid("10.0.0.0/8"));
    assert_true(repo_range_valid("fc00::/7"));
    assert_false(repo_range_valid("10.0.0.0/33"));
    assert_false(repo_range_valid("10.0.0.0"));
    assert_false(repo_range_valid("nonsense/8"));
    assert_false(repo_range_valid("10.0.0.0/8x"));
    struct sockaddr_in a = {.sin_family = AF_INET};
    static const struct repo_policy none;
    inet_pton(AF_INET, "169.254.169.254", &a.sin_addr);
    assert_true(repo_address_refused((struct sockaddr *)&a, &none));
    inet_pton(AF_INET, "93.184.216.34", &a.sin_addr);
    assert_false(repo_address_refused((struct sockaddr *)&a, &none));
    inet_pton(AF_INET, "172.20.1.1", &a.sin_addr);
    assert_false(repo_address_refused((struct sockaddr *)&a, &none));
    assert_true(repo_address_refused((struct sockaddr *)&a, &policy));
    inet_pton(AF_INET, "172.32.0.1", &a.sin_addr); /* just outside 172.16.0.0/12 */
    assert_false(repo_address_refused((struct sockaddr *)&a, &policy));
    struct sockaddr_in6 b = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "fe80::1", &b.sin6_addr);
    assert_true(repo_address_refused((struct sockaddr *)&b, &none));
    inet_pton(AF_INET6, "fd12::1", &b.sin6_addr);
    assert_true(repo_address_refused((struct sockaddr *)&b, &policy));
    inet_pton(AF_INET6, "2001:db8::1", &b.sin6_addr);
    assert_false(repo_address_refused((struct sockaddr *)&b, &policy));
    inet_pton(AF_INET6, "::ffff:169.254.169.254", &b.sin6_addr);
    assert_true(repo_address_refused((struct sockaddr *)&b, &none));
    /* An unreadable admin range refuses everything rather than nothing. */
    static struct repo_policy bad;
    memcpy(bad.denied_ranges[0], "not-a-range", 12);
    bad.ndenied = 1;
    inet_pton(AF_INET, "93.184.216.34", &a.sin_addr);
    assert_true(repo_address_refused((struct sockaddr *)&a, &bad));
}

static void expect_accepted(const char *url, const char *want_host, const char *want_address)
{
    char host[256];
    char address[REPO_ADDRESS_MAX];
    struct ct_error err = {0};
    if (repo_url_check(url, &policy, host, sizeof(host), address, sizeof(address), &err) != CT_OK) {
        fail_msg("%s refused: %s", url, err.detail);
    }
    assert_string_equal(host, want_host);
    assert_string_equal(address, want_address);
}

/* What the agent can check without DNS: names that resolve nowhere pass. */
static void test_syntax_only(void **state)
{
    (void)state;
    char host[256];
    struct ct_error err = {0};
    assert_int_equal(repo_url_check_syntax("https://GIT.Example.test/alice/shop.git", &policy, host,
                                           sizeof(host), &err),
                     CT_OK);
    assert_string_equal(host, "git.example.test");
    assert_int_equal(repo_url_check_syntax("https://deep.down.hub.test:443/a/b/", &policy, host,
                                           sizeof(host), &err),
                     CT_OK);
    assert_string_equal(host, "deep.down.hub.test");
    assert_int_equal(
        repo_url_check_syntax("https://evil.test/r.git", &policy, host, sizeof(host), &err),
        CT_ERR_BAD_REQUEST);
    expect_refused("https://git.example.test/r.git?service=x", "no query");
    expect_refused("https://git.example.test/r.git#main", "no query");
    expect_refused("https://git.example.test/r.git?", "no query");
}

/* A pin replaces DNS, never the rules on addresses. */
static void test_pins(void **state)
{
    (void)state;
    expect_accepted("https://pinned.test/alice/shop.git", "pinned.test", "192.0.2.7");
    expect_accepted("https://PINNED.test/r", "pinned.test", "192.0.2.7");
    expect_accepted("https://good.test/r", "good.test", "2001:db8::1");
    expect_accepted("https://192.0.2.1/r.git", "192.0.2.1", "192.0.2.1");
    expect_refused("https://metadata.test/latest/meta-data", "may not reach");
    struct repo_policy p;
    memset(&p, 0, sizeof(p));
    assert_true(repo_policy_add_host(&p, "git.test"));
    assert_true(repo_policy_add_pin(&p, "git.test=10.213.77.1"));
    char host[256];
    char address[REPO_ADDRESS_MAX];
    struct ct_error err = {0};
    assert_int_equal(repo_url_check("https://git.test/r", &p, host, sizeof(host), address,
                                    sizeof(address), &err),
                     CT_OK);
    assert_string_equal(address, "10.213.77.1");
    assert_true(repo_policy_add_range(&p, "10.213.77.0/24")); /* the admin's ranges still apply */
    assert_int_equal(repo_url_check("https://git.test/r", &p, host, sizeof(host), address,
                                    sizeof(address), &err),
                     CT_ERR_BAD_REQUEST);
    assert_non_null(strstr(err.detail, "may not reach"));
}

static void test_address_text(void **state)
{
    (void)state;
    static const struct repo_policy none;
    assert_false(repo_address_text_refused("192.0.2.7", &none));
    assert_false(repo_address_text_refused("2001:db8::1", &policy));
    assert_false(repo_address_text_refused("10.1.1.1", &none));
    assert_true(repo_address_text_refused("10.1.1.1", &policy));
    assert_true(repo_address_text_refused("fd00::1", &policy));
    static const char *const refused[] = {
        "127.0.0.1",        "127.9.9.9",    "169.254.169.254", "0.0.0.0",         "::1", "::",
        "::ffff:127.0.0.1", "fe80::1",      "224.0.0.1",       "255.255.255.255", "",    "nonsense",
        "[2001:db8::1]",    "fe80::1%eth0", "192.0.2.7 ",      "1.2.3",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        if (!repo_address_text_refused(refused[i], &none)) {
            fail_msg("'%s' not refused", refused[i]);
        }
    }
    assert_true(repo_address_text_refused(NULL, &none));
}

static void test_policy_entries(void **state)
{
    (void)state;
    struct repo_policy p;
    memset(&p, 0, sizeof(p));
    assert_true(repo_policy_add_host(&p, "GitHub.com"));
    assert_string_equal(p.allowed_hosts[0], "github.com");
    assert_true(repo_policy_add_host(&p, ".example.org"));
    assert_true(repo_policy_add_host(&p, "[2001:db8::1]"));
    static const char *const bad_hosts[] = {
        "",          ".",       "..x",  "-a.test", "a-.test", "a..test", "a_b.test", "host:443",
        "https://x", "a.test/", "[zz]", "[::1",    "a test",  "a.test.", "*.test",   "é.test",
    };
    for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
        if (repo_policy_add_host(&p, bad_hosts[i])) {
            fail_msg("host '%s' taken", bad_hosts[i]);
        }
    }
    char label[80];
    memset(label, 'a', 64);
    label[64] = '\0';
    assert_false(repo_policy_add_host(&p, label)); /* a label of 64 */
    label[63] = '\0';
    assert_true(repo_policy_add_host(&p, label));
    while (p.nallowed < REPO_HOSTS_MAX) {
        assert_true(repo_policy_add_host(&p, "more.test"));
    }
    assert_false(repo_policy_add_host(&p, "one-too-many.test"));

    static const char *const bad_ranges[] = {
        "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/ 8", "::/129", "10.0.0.0/8/8", NULL};
    for (size_t i = 0; i < sizeof(bad_ranges) / sizeof(bad_ranges[0]); i++) {
        assert_false(repo_policy_add_range(&p, bad_ranges[i]));
    }
    assert_true(repo_policy_add_range(&p, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"));
    assert_int_equal(p.ndenied, 1);

    static const char *const bad_pins[] = {"a.test",       "=192.0.2.1",       "a.test=",
                                           "a.test=1.2.3", "a.test=a.test",    ".a.test=192.0.2.1",
                                           "a.test=[::1]", "a test=192.0.2.1", NULL};
    for (size_t i = 0; i < sizeof(bad_pins) / sizeof(bad_pins[0]); i++) {
        if (repo_policy_add_pin(&p, bad_pins[i])) {
            fail_msg("pin '%s' taken", bad_pins[i]);
        }
    }
    assert_true(repo_policy_add_pin(&p, "Git.CTGATE.test=10.213.77.1"));
    assert_string_equal(p.pins[0].host, "git.ctgate.test");
    assert_string_equal(p.pins[0].address, "10.213.77.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scheme_and_shape), cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_addresses),        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_syntax_only),      cmocka_unit_test(test_pins),
        cmocka_unit_test(test_address_text),     cmocka_unit_test(test_policy_entries),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
