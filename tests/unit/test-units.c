/* Unit tests: shared/units.c (sizes and durations as people write them) and shared/timefmt.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "timefmt.h"
#include "units.h"

#define MIB (1024LL * 1024)

/* Every spelling the issue names, and what it means in bytes. */
static void test_size(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        long long bytes;
    } good[] = {
        {"512", 512 * MIB},          {"512M", 512 * MIB},
        {"512m", 512 * MIB},         {"512MiB", 512 * MIB},
        {"512mib", 512 * MIB},       {"512MB", 512000000},
        {"512mb", 512000000},        {"2G", 2048 * MIB},
        {"2GiB", 2048 * MIB},        {"2gib", 2048 * MIB},
        {"2GB", 2000000000},         {"1T", 1024 * 1024 * MIB},
        {"1TiB", 1024 * 1024 * MIB}, {"1TB", 1000000000000},
        {"64K", 65536},              {"64KiB", 65536},
        {"64KB", 64000},             {"64kB", 64000},
        {"123B", 123},               {"0", 0},
        {"1024T", 1024LL * 1024 * 1024 * MIB}, /* the ceiling, 1 PiB */
    };
    long long v = 0;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (!units_parse_size(good[i].text, &v) || v != good[i].bytes) {
            fail_msg("'%s' gave %lld, not %lld", good[i].text, v, good[i].bytes);
        }
    }
    const char *bad[] = {"",      "G",          "-1",         "+1",     " 1",
                         "1 G",   "1.5G",       "1GiBx",      "1Gi",    "1MBs",
                         "1iB",   "1234567890", "999999999T", "0x10",   "1025T",
                         "1bytes", "1E",        "1PB",        "1e3M",   "1,5G"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (units_parse_size(bad[i], &v)) {
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
    static const struct {
        long long bytes;
        const char *text;
    } sizes[] = {
        {512 * MIB, "512MiB"},   {4096 * MIB, "4GiB"},   {1000 * MIB, "1000MiB"},
        {256000000, "256MB"},    {2000000000, "2GB"},    {1024000000, "1024MB"},
        {1000000000000, "1TB"},  {1024 * 1024 * MIB, "1TiB"}, {1500000, "1500kB"},
        {65536, "65536B"},       {123, "123B"},          {0, "0B"},
        /* 95191272K (fuzz-units found it): no unit divides it, so 11 digits of bytes */
        {95191272LL * 1024, "97475862528B"},
        {1024 * 1024 * MIB * 1024 - 1, "1125899906842623B"}, /* the longest: 1 PiB - 1 */
    };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        long long back = -1;
        units_format_size(sizes[i].bytes, buf, sizeof(buf));
        assert_string_equal(buf, sizes[i].text);
        assert_true(units_parse_size(buf, &back)); /* what LXD is sent reads back the same */
        assert_int_equal(back, sizes[i].bytes);
    }
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
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_timefmt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
