/* Unit tests: shared/validate.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "validate.h"

static void test_hostname(void **state)
{
    (void)state;
    char long_ok[64];
    char too_long[65];
    memset(long_ok, 'a', 63);
    long_ok[63] = '\0';
    memset(too_long, 'a', 64);
    too_long[64] = '\0';
    assert_true(validate_hostname("a"));
    assert_true(validate_hostname("web-1"));
    assert_true(validate_hostname("0day"));
    assert_true(validate_hostname(long_ok));
    assert_false(validate_hostname(too_long));
    assert_false(validate_hostname(""));
    assert_false(validate_hostname(NULL));
    assert_false(validate_hostname("-web"));
    assert_false(validate_hostname("web-"));
    assert_false(validate_hostname("Web"));
    assert_false(validate_hostname("web.example"));
    assert_false(validate_hostname("x;id"));
    assert_false(validate_hostname("$(id)"));
    assert_false(validate_hostname("a b"));
    assert_false(validate_hostname("a\nb"));
    assert_false(validate_hostname("../x"));
}

static void test_uid(void **state)
{
    (void)state;
    assert_true(validate_uid("alice"));
    assert_true(validate_uid("_svc"));
    assert_true(validate_uid("a-b_c9"));
    assert_false(validate_uid("9lives"));
    assert_false(validate_uid("-rf"));
    assert_false(validate_uid("Alice"));
    assert_false(validate_uid("a/b"));
    assert_false(validate_uid("a:b"));
    assert_false(validate_uid(""));
    assert_false(validate_uid("abcdefghijklmnopqrstuvwxyzabcdefg")); /* 33 */
    assert_true(validate_uid("abcdefghijklmnopqrstuvwxyzabcdef"));   /* 32 */
}

static void test_names_and_tokens(void **state)
{
    (void)state;
    assert_true(validate_name("debian-12", 32));
    assert_true(validate_name("ctgate.admins_x", 32));
    assert_false(validate_name("-x", 32));
    assert_false(validate_name("a/b", 32));
    assert_false(validate_name("abc", 2));
    assert_true(validate_request_id("abcdef12"));
    assert_true(validate_request_id("A1b2-c3_d4e5f6"));
    assert_false(validate_request_id("short"));
    assert_false(validate_request_id("-abcdefgh"));
    assert_false(validate_request_id("abcdefgh;"));
    assert_true(validate_token("SHA256:abc+/=", 80));
    assert_false(validate_token("a b", 80));
    assert_false(validate_token("a\x7f", 80));
    assert_false(validate_token("", 80));
    assert_false(validate_token("abcd", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostname),
        cmocka_unit_test(test_uid),
        cmocka_unit_test(test_names_and_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
