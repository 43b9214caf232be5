/* Unit tests: gateway/throttle.c - wrong passwords per user and per address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "throttle.h"

static struct throttle_policy policy;
static const time_t t0 = 1800000000;

static int setup(void **state)
{
    (void)state;
    memset(&policy, 0, sizeof(policy));
    snprintf(policy.dir, sizeof(policy.dir), "/tmp/ctgate-throttle-test.XXXXXX");
    if (sodium_init() < 0 || mkdtemp(policy.dir) == NULL) {
        return -1;
    }
    policy.user_failures = 3;
    policy.address_failures = 5;
    policy.window_s = 900;
    policy.delay_s = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(policy.dir);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] != '.') {
            char path[PATH_MAX + 300];
            snprintf(path, sizeof(path), "%s/%s", policy.dir, e->d_name);
            unlink(path);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return rmdir(policy.dir);
}

static bool blocked(const char *user, const char *addr, time_t now)
{
    struct ct_error err = {0};
    bool b = false;
    assert_int_equal(throttle_blocked(&policy, user, addr, now, &b, &err), CT_OK);
    return b;
}

static void record(const char *user, const char *addr, time_t now)
{
    struct ct_error err = {0};
    assert_int_equal(throttle_failed(&policy, user, addr, now, &err), CT_OK);
}

static void file_of(const char *kind, const char *name, char *path, size_t len)
{
    char hex[THROTTLE_HASH_HEX + 1];
    throttle_file_name(kind, name, hex);
    snprintf(path, len, "%s/%s", policy.dir, hex);
}

static void test_names_are_hashes(void **state)
{
    (void)state;
    char a[THROTTLE_HASH_HEX + 1];
    char b[THROTTLE_HASH_HEX + 1];
    char c[THROTTLE_HASH_HEX + 1];
    throttle_file_name("user", "alice", a);
    throttle_file_name("addr", "alice", b);
    throttle_file_name("user", "../../etc/passwd", c);
    assert_int_equal(strlen(a), THROTTLE_HASH_HEX);
    assert_int_equal(strspn(a, "0123456789abcdef"), THROTTLE_HASH_HEX);
    assert_int_equal(strspn(c, "0123456789abcdef"), THROTTLE_HASH_HEX);
    assert_string_not_equal(a, b); /* a user and an address of the same text are two keys */
}

static void test_limit_and_window(void **state)
{
    (void)state;
    assert_false(blocked("bob", "192.0.2.1", t0)); /* nothing yet; creates no file */
    char path[PATH_MAX + 100];
    file_of("user", "bob", path, sizeof(path));
    assert_int_not_equal(access(path, F_OK), 0);
    record("bob", "192.0.2.1", t0);
    record("bob", "192.0.2.1", t0 + 10);
    assert_false(blocked("bob", "192.0.2.1", t0 + 20));
    record("bob", "192.0.2.1", t0 + 20);
    assert_true(blocked("bob", "192.0.2.1", t0 + 30));
    assert_true(blocked("bob", "198.51.100.7", t0 + 30)); /* the user, from anywhere */
    assert_true(blocked("bob", NULL, t0 + 30));
    assert_false(blocked("carol", "192.0.2.1", t0 + 30)); /* 3 of the address's 5 */
    assert_true(blocked("bob", "192.0.2.1", t0 + 899));   /* t0 leaves the window at t0+900 */
    assert_false(blocked("bob", "192.0.2.1", t0 + 900));
}

static void test_success_clears_user_only(void **state)
{
    (void)state;
    struct ct_error err = {0};
    for (int i = 0; i < 3; i++) {
        record("bob", "192.0.2.1", t0 + i);
    }
    record("carol", "192.0.2.1", t0 + 5);
    assert_true(blocked("bob", NULL, t0 + 10));
    assert_int_equal(throttle_succeeded(&policy, "bob", &err), CT_OK);
    assert_false(blocked("bob", NULL, t0 + 10));
    /* the address keeps its four: one more from anyone and it is closed to everyone */
    assert_false(blocked("dave", "192.0.2.1", t0 + 10));
    record("dave", "192.0.2.1", t0 + 11);
    assert_true(blocked("erin", "192.0.2.1", t0 + 12));
    assert_false(blocked("erin", "192.0.2.2", t0 + 12));
    assert_int_equal(throttle_succeeded(&policy, "nobody-yet", &err), CT_OK); /* no file: fine */
}

static void test_garbage_file(void **state)
{
    (void)state;
    char path[PATH_MAX + 100];
    file_of("user", "bob", path, sizeof(path));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* not times, one from the future, one too old, an overflow, then two in the window */
    fprintf(f, "x\n\n-\n%lld\n%lld\n99999999999999999999999\n%lld\n%lld", (long long)t0 + 999,
            (long long)t0 - 5000, (long long)t0 - 20, (long long)t0 - 10);
    fclose(f);
    assert_false(blocked("bob", NULL, t0));
    record("bob", NULL, t0);
    assert_true(blocked("bob", NULL, t0));
    f = fopen(path, "r");
    assert_non_null(f);
    int lines = 0;
    for (int c; (c = fgetc(f)) != EOF;) {
        lines += c == '\n';
    }
    fclose(f);
    assert_int_equal(lines, 3); /* the garbage is dropped at the write */
    /* a file never grows past the limit, however many failures are recorded */
    for (int i = 0; i < 50; i++) {
        record("bob", NULL, t0 + 1);
    }
    f = fopen(path, "r");
    assert_non_null(f);
    lines = 0;
    for (int c; (c = fgetc(f)) != EOF;) {
        lines += c == '\n';
    }
    fclose(f);
    assert_int_equal(lines, 3);
}

static void test_missing_directory_refuses(void **state)
{
    (void)state;
    struct ct_error err = {0};
    struct throttle_policy gone = policy;
    bool b = false;
    size_t len = strlen(gone.dir);
    memcpy(gone.dir + len, "/not-there", sizeof("/not-there")); /* policy.dir is short */
    assert_int_equal(throttle_blocked(&gone, "bob", "192.0.2.1", t0, &b, &err), CT_ERR_BACKEND);
    assert_null(strstr(err.detail, "/tmp")); /* no host path for the user */
    assert_int_equal(throttle_failed(&gone, "bob", "192.0.2.1", t0, &err), CT_ERR_BACKEND);
    gone.dir[0] = '\0'; /* off */
    assert_int_equal(throttle_blocked(&gone, "bob", "192.0.2.1", t0, &b, &err), CT_OK);
    assert_false(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names_are_hashes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_and_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_success_clears_user_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_directory_refuses, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
