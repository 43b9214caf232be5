/* Unit tests: gateway/repo-url.c (the SSRF rules for repository URLs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>

#include "repo-url.h"

static const char *const allowed[] = {"127.0.0.1", "localhost", "git.example.test", ".hub.test",
                                      "[::1]", "10.1.2.3", "[::ffff:127.0.0.1]"};
static const char *const denied[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"};
static const struct repo_policy policy = {allowed, sizeof(allowed) / sizeof(allowed[0]), denied,
                                          sizeof(denied) / sizeof(denied[0])};

static void expect_refused(const char *url, const char *why_part)
{
    char host[256];
    struct ct_error err = {0};
    assert_int_equal(repo_url_check(url, &policy, host, sizeof(host), &err), CT_ERR_BAD_REQUEST);
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
    expect_refused("https://evil.test/r.git", "not on the gateway's list");
    expect_refused("https://git.example.test.evil.test/r.git", "not on the gateway's list");
    expect_refused("https://hub.test/r.git", "not on the gateway's list"); /* ".hub.test": below only */
    expect_refused("https://169.254.169.254/latest/meta-data", "not on the gateway's list");
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
    struct repo_policy none = {NULL, 0, NULL, 0};
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
    static const char *const broken[] = {"not-a-range"};
    struct repo_policy bad = {NULL, 0, broken, 1};
    inet_pton(AF_INET, "93.184.216.34", &a.sin_addr);
    assert_true(repo_address_refused((struct sockaddr *)&a, &bad));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scheme_and_shape),
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
