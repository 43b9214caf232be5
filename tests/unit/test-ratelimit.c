/* Unit tests: hypervisor-agent/ops/ratelimit.c - creates per hour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ratelimit.h"

static char dir[64];
static char file[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/ctgate-rate-test.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(file, sizeof(file), "%s/rate/alice", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    unlink(file);
    snprintf(path, sizeof(path), "%s/rate", dir);
    rmdir(path);
    return rmdir(dir);
}

static enum ct_err take(int per_hour, time_t now, struct ct_error *err)
{
    return ratelimit_take(dir, "alice", per_hour, now, err);
}

static void test_limit_and_window(void **state)
{
    (void)state;
    struct ct_error err = {0};
    time_t t0 = 1800000000;
    assert_int_equal(take(3, t0, &err), CT_OK);
    assert_int_equal(take(3, t0 + 10, &err), CT_OK);
    assert_int_equal(take(3, t0 + 20, &err), CT_OK);
    assert_int_equal(take(3, t0 + 30, &err), CT_ERR_RATE_LIMITED);
    /* t0 is 2027-01-15T08:00:00Z: the first of the three leaves the hour at 09:00 */
    assert_non_null(strstr(err.detail, "you started 3 creates in the last hour"));
    assert_non_null(strstr(err.detail, "the next is possible at 2027-01-15T09:00:00Z"));
    assert_int_equal(take(3, t0 + 3599, &err), CT_ERR_RATE_LIMITED); /* refusals are not counted */
    assert_int_equal(take(3, t0 + 3600, &err), CT_OK);
    assert_int_equal(take(3, t0 + 3601, &err), CT_ERR_RATE_LIMITED);
    assert_int_equal(take(0, t0 + 3601, &err), CT_OK); /* 0: no limit */
}

static void test_odd_file(void **state)
{
    (void)state;
    struct ct_error err = {0};
    time_t t0 = 1800000000;
    assert_int_equal(take(2, t0, &err), CT_OK); /* makes the directory */
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    /* garbage, a time from the future, one too old, then five in the hour */
    fprintf(f, "x\n%lld\n%lld\n\n%lld\n%lld\n%lld\n%lld\n%lld\n", (long long)t0 + 999,
            (long long)t0 - 4000, (long long)t0 - 50, (long long)t0 - 40, (long long)t0 - 30,
            (long long)t0 - 20, (long long)t0 - 10);
    fclose(f);
    assert_int_equal(take(5, t0, &err), CT_ERR_RATE_LIMITED);
    /* a limit lowered to 2: the next is possible once only one of the newest two is left */
    assert_int_equal(take(2, t0, &err), CT_ERR_RATE_LIMITED);
    assert_non_null(strstr(err.detail, "you started 2 creates"));
    assert_int_equal(take(6, t0, &err), CT_OK);
    f = fopen(file, "r");
    assert_non_null(f);
    int lines = 0;
    for (int c; (c = fgetc(f)) != EOF;) {
        lines += c == '\n';
    }
    fclose(f);
    assert_int_equal(lines, 6); /* only the hour's five and the new one are kept */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_limit_and_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_odd_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
