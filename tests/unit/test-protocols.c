/* Unit tests: shared/protocols.c (the extra-protocol catalogue) and the shipped conf/protocols. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocols.h"

static void expect_error(const char *text, const char *detail)
{
    struct protocol_catalog c;
    struct ct_error err = {0};
    assert_int_equal(protocols_parse(text, strlen(text), &c, &err), CT_ERR_CONFIG);
    if (strstr(err.detail, detail) == NULL) {
        fail_msg("'%s' does not say '%s'", err.detail, detail);
    }
}

static void test_parse(void **state)
{
    (void)state;
    const char *text = "# comment\n\npostgres 5432 tcp\nsyslog\t514\tudp  # logs\r\n";
    struct protocol_catalog c;
    struct ct_error err = {0};
    assert_int_equal(protocols_parse(text, strlen(text), &c, &err), CT_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.items[1].name, "syslog");
    assert_int_equal(c.items[1].port, 514);
    assert_true(c.items[1].udp);
    assert_false(protocols_find(&c, "postgres")->udp);
    assert_null(protocols_find(&c, "redis"));
}

static void test_errors_name_the_line(void **state)
{
    (void)state;
    expect_error("a 1 tcp\nb 2 udp\na 3 tcp\n", "line 3: duplicate protocol name 'a'");
    expect_error("a 1\n", "line 1: expected NAME PORT tcp|udp");
    expect_error("a 1 tcp extra\n", "line 1: expected");
    expect_error("\n\nA 1 tcp\n", "line 3: invalid protocol name");
    expect_error("a 0 tcp\n", "port must be 1..65535");
    expect_error("a 65536 tcp\n", "port must be 1..65535");
    expect_error("a 1x tcp\n", "port must be");
    expect_error("a 1 sctp\n", "transport must be tcp or udp");
    expect_error("../x 1 tcp\n", "invalid protocol name");
}

static void test_shipped_file(void **state)
{
    (void)state;
    char path[4096];
    const char *src = getenv("CTGATE_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/conf/protocols", src != NULL ? src : ".");
    struct protocol_catalog c;
    struct ct_error err = {0};
    assert_int_equal(protocols_load(path, &c, &err), CT_OK);
    assert_true(c.n >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_shipped_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
