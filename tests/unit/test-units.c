/* Unit tests: shared/units.c (sizes and durations as people write them) and shared/timefmt.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "timefmt.h"
#include "units.h"

static void test_mib(void **state)
{
    (void)state;
    long long v = 0;
    assert_true(units_parse_mib("512", &v));
    assert_int_equal(v, 512);
    assert_true(units_parse_mib("512MiB", &v));
    assert_int_equal(v, 512);
    assert_true(units_parse_mib("2G", &v));
    assert_int_equal(v, 2048);
    assert_true(units_parse_mib("2gib", &v));
    assert_int_equal(v, 2048);
    assert_true(units_parse_mib("1TiB", &v));
    assert_int_equal(v, 1024 * 1024);
    const char *bad[] = {"", "G", "-1", "+1", " 1", "1 G", "1.5G", "1KB", "1GB", "1GiBx",
                         "1234567890", "999999999T", "0x10"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (units_parse_mib(bad[i], &v)) {
            fail_msg("'%s' accepted", bad[i]);
        }
    }
}

static void test_duration(void **state)
{
    (void)state;
    long long v = 0;
    assert_true(units_parse_duration("90s", &v));
    assert_int_equal(v, 90);
    assert_true(units_parse_duration("30m", &v));
    assert_int_equal(v, 1800);
    assert_true(units_parse_duration("7d", &v));
    assert_int_equal(v, 7 * 86400);
    assert_true(units_parse_duration("2w", &v));
    assert_int_equal(v, 14 * 86400);
    const char *bad[] = {"", "7", "d", "7dd", "7D", "-7d", "1y", "99999999w", "7 d"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (units_parse_duration(bad[i], &v)) {
            fail_msg("'%s' accepted", bad[i]);
        }
    }
}

static void test_format(void **state)
{
    (void)state;
    char buf[32];
    units_format_mib(512, buf, sizeof(buf));
    assert_string_equal(buf, "512MiB");
    units_format_mib(4096, buf, sizeof(buf));
    assert_string_equal(buf, "4GiB");
    units_format_duration(7 * 86400, buf, sizeof(buf));
    assert_string_equal(buf, "1w");
    units_format_duration(36 * 3600, buf, sizeof(buf));
    assert_string_equal(buf, "36h");
    units_format_duration(61, buf, sizeof(buf));
    assert_string_equal(buf, "61s");
    long long v;
    units_format_duration(5400, buf, sizeof(buf)); /* round trip */
    assert_true(units_parse_duration(buf, &v));
    assert_int_equal(v, 5400);
}

static void test_timefmt(void **state)
{
    (void)state;
    char buf[32];
    time_t t = 0;
    timefmt_rfc3339(1795451273, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-23T16:27:53Z");
    assert_true(timefmt_parse(buf, &t));
    assert_int_equal(t, 1795451273);
    assert_false(timefmt_parse("2026-11-23T16:27:53", &t));
    assert_false(timefmt_parse("2026-11-23T16:27:53Z ", &t));
    assert_false(timefmt_parse("2026-11-23 16:27:53Z", &t));
    assert_false(timefmt_parse(NULL, &t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mib),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_timefmt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
