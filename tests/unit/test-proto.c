/* Unit tests: shared/proto.c - the exact shape of the lines the agent writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static char *capture_text;
static size_t capture_len;

static FILE *capture(void)
{
    FILE *f = open_memstream(&capture_text, &capture_len);
    assert_non_null(f);
    return f;
}

static void done(FILE *f, const char *expected)
{
    fclose(f);
    assert_string_equal(capture_text, expected);
    free(capture_text);
    capture_text = NULL;
}

static void test_progress(void **state)
{
    (void)state;
    FILE *f = capture();
    proto_progress(f, "clone", "begin", 0, NULL);
    proto_progress(f, "keys", "fail", 12, "it \"broke\"\n");
    done(f, "{\"v\":1,\"type\":\"progress\",\"step\":\"clone\",\"state\":\"begin\",\"ms\":0}\n"
            "{\"v\":1,\"type\":\"progress\",\"step\":\"keys\",\"state\":\"fail\",\"ms\":12,"
            "\"msg\":\"it \\\"broke\\\"\\n\"}\n");
}

static void test_results(void **state)
{
    (void)state;
    FILE *f = capture();
    json_t *data = json_pack("{s:s}", "name", "web1");
    proto_result_ok(f, data);
    json_decref(data);
    struct ct_error err = {0};
    ct_error_set(&err, CT_ERR_HOSTNAME_TAKEN, "%s", "web1");
    err.step = "reserve";
    proto_result_error(f, &err);
    struct ct_error plain = {0};
    ct_error_set(&plain, CT_ERR_NOT_FOUND, NULL);
    proto_result_error(f, &plain);
    done(f, "{\"v\":1,\"type\":\"result\",\"ok\":true,\"data\":{\"name\":\"web1\"}}\n"
            "{\"v\":1,\"type\":\"result\",\"ok\":false,\"error\":{\"code\":\"hostname_taken\","
            "\"message\":\"hostname already taken: web1\",\"step\":\"reserve\"}}\n"
            "{\"v\":1,\"type\":\"result\",\"ok\":false,\"error\":{\"code\":\"not_found\","
            "\"message\":\"no such container\"}}\n");
}

static void test_error_table(void **state)
{
    (void)state;
    for (int i = 0; i < CT_ERR__COUNT; i++) {
        assert_int_equal(ct_err_from_code(ct_err_code((enum ct_err)i)), i);
        assert_true(strlen(ct_err_message((enum ct_err)i)) > 0);
    }
    assert_int_equal(ct_err_exit(CT_ERR_BAD_HOSTNAME), 2);
    assert_int_equal(ct_err_exit(CT_ERR_NOT_AUTHENTICATED), 3);
    assert_int_equal(ct_err_exit(CT_ERR_NOT_FOUND), 4);
    assert_int_equal(ct_err_exit(CT_ERR_HOSTNAME_TAKEN), 5);
    assert_int_equal(ct_err_exit(CT_ERR_BACKEND), 6);
    assert_int_equal(ct_err_exit(CT_ERR_TIMEOUT), 7);
    assert_int_equal(ct_err_from_code("no-such-code"), CT_ERR_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_results),
        cmocka_unit_test(test_error_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
