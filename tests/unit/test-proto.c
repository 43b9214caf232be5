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

/* A data line: its exact shape, and the bytes come back whole through the parser. */
static void test_data_lines(void **state)
{
    (void)state;
    FILE *f = capture();
    assert_int_equal(proto_data(f, "\x00\xff ok", 5), 0);
    done(f, "{\"v\":1,\"type\":\"data\",\"b64\":\"AP8gb2s=\"}\n");

    static unsigned char big[PROTO_DATA_CHUNK], back[PROTO_DATA_CHUNK];
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (unsigned char)(i * 7 + 3);
    }
    f = capture();
    assert_int_equal(proto_data(f, big, sizeof(big)), 0);
    assert_int_equal(proto_data(f, big, sizeof(big) + 1), -1); /* never more than a chunk */
    fclose(f);
    json_t *line = NULL;
    size_t len = 0;
    assert_int_equal(proto_parse_line(capture_text, capture_len - 1, &line), PROTO_LINE_DATA);
    assert_int_equal(proto_data_decode(line, back, &len), 0);
    assert_int_equal(len, sizeof(big));
    assert_memory_equal(back, big, sizeof(big));
    json_decref(line);
    free(capture_text);
    capture_text = NULL;

    /* Not base64, or longer than a chunk's encoding: not the protocol. */
    const char *bad = "{\"v\":1,\"type\":\"data\",\"b64\":\"AP8*\"}";
    assert_int_equal(proto_parse_line(bad, strlen(bad), &line), PROTO_LINE_DATA);
    assert_int_equal(proto_data_decode(line, back, &len), -1);
    json_decref(line);
    const char *no_b64 = "{\"v\":1,\"type\":\"data\",\"b64\":7}";
    assert_int_equal(proto_parse_line(no_b64, strlen(no_b64), &line), PROTO_LINE_INVALID);
    assert_null(line);
    size_t huge_len = PROTO_DATA_CHUNK / 3 * 4 + 64;
    char *huge = malloc(huge_len + 64);
    assert_non_null(huge);
    int at = snprintf(huge, 64, "{\"v\":1,\"type\":\"data\",\"b64\":\"");
    memset(huge + at, 'A', huge_len);
    memcpy(huge + at + huge_len, "\"}", 3);
    assert_int_equal(proto_parse_line(huge, strlen(huge), &line), PROTO_LINE_INVALID);
    free(huge);
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
    proto_result_error(f, &err, "ref-1");
    struct ct_error plain = {0};
    ct_error_set(&plain, CT_ERR_NOT_FOUND, NULL);
    proto_result_error(f, &plain, NULL);
    struct ct_error lxd = {0};
    ct_error_set(&lxd, CT_ERR_BACKEND,
                 "LXD POST /1.0/instances: Failed to connect to "
                 "/var/lib/lxd/unix.socket");
    lxd.step = "clone";
    proto_result_error(f, &lxd, "ref-2");
    done(f, "{\"v\":1,\"type\":\"result\",\"ok\":true,\"data\":{\"name\":\"web1\"}}\n"
            "{\"v\":1,\"type\":\"result\",\"ok\":false,\"error\":{\"code\":\"hostname_taken\","
            "\"message\":\"hostname already taken: web1\",\"step\":\"reserve\"}}\n"
            "{\"v\":1,\"type\":\"result\",\"ok\":false,\"error\":{\"code\":\"not_found\","
            "\"message\":\"no such container\"}}\n"
            "{\"v\":1,\"type\":\"result\",\"ok\":false,\"error\":{\"code\":\"backend_error\","
            "\"message\":\"container backend failed (see the agent's log, reference ref-2)\","
            "\"step\":\"clone\"}}\n");
}

/* What users are told: never a host path or a backend's words; the log gets everything. */
static void test_public_messages(void **state)
{
    (void)state;
    char out[512];
    struct ct_error e = {0};
    static const enum ct_err hidden[] = {CT_ERR_BACKEND, CT_ERR_CONFIG, CT_ERR_INTERNAL,
                                         CT_ERR_TIMEOUT};
    for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
        ct_error_set(&e, hidden[i], "/etc/ctgate/agent.conf: line 4: LXD said %s", "no");
        ct_error_format_public(&e, "agent", "r1", out, sizeof(out));
        assert_null(strchr(out, '/'));
        assert_null(strstr(out, "LXD"));
        assert_non_null(strstr(out, "(see the agent's log, reference r1)"));
        assert_true(strncmp(out, ct_err_message(hidden[i]), strlen(ct_err_message(hidden[i]))) ==
                    0);
        ct_error_format(&e, out, sizeof(out));
        assert_non_null(strstr(out, "/etc/ctgate/agent.conf: line 4: LXD said no"));
    }
    /* No reference: the pointer to the log stays. */
    ct_error_set(&e, CT_ERR_BACKEND, "nginx: [emerg] in /etc/nginx/ctgate/http.conf:3");
    ct_error_format_public(&e, "agent", NULL, out, sizeof(out));
    assert_string_equal(out, "container backend failed (see the agent's log)");
    /* A note is for everyone, in both texts. */
    e.note = "it finishes later";
    ct_error_format_public(&e, "agent", "r2", out, sizeof(out));
    assert_string_equal(out, "container backend failed; it finishes later "
                             "(see the agent's log, reference r2)");
    ct_error_format(&e, out, sizeof(out));
    assert_string_equal(out, "container backend failed: nginx: [emerg] in "
                             "/etc/nginx/ctgate/http.conf:3; it finishes later");
    /* ct_error_set starts over: no stale note or mark. */
    ct_error_set(&e, CT_ERR_BACKEND, "useradd exited with 4: UID 65534 is not unique");
    assert_null(e.note);
    assert_false(e.detail_public);
    e.detail_public = true;
    ct_error_format_public(&e, "agent", "r3", out, sizeof(out));
    assert_string_equal(out,
                        "container backend failed: useradd exited with 4: UID 65534 is not unique");
    /* The user's own input is shown as it was. */
    ct_error_set(&e, CT_ERR_QUOTA, "you have %d containers, the most allowed is %d", 3, 3);
    ct_error_format_public(&e, "agent", "r4", out, sizeof(out));
    assert_string_equal(out, "quota exceeded: you have 3 containers, the most allowed is 3");
    /* A hidden code without detail is just its message. */
    ct_error_set(&e, CT_ERR_INTERNAL, NULL);
    ct_error_format_public(&e, "agent", "r5", out, sizeof(out));
    assert_string_equal(out, "internal error");
    /* The gateway's own failures point at its log, with a fresh reference. */
    char ref[24], ref2[24];
    ct_error_new_ref(ref, sizeof(ref));
    ct_error_new_ref(ref2, sizeof(ref2));
    assert_int_equal(strlen(ref), 16);
    assert_true(strncmp(ref, "ref-", 4) == 0 && strspn(ref + 4, "0123456789abcdef") == 12);
    assert_string_not_equal(ref, ref2);
    ct_error_set(&e, CT_ERR_CONFIG, "cannot set LDAP options (CA file %s?)", "/etc/ssl/x.pem");
    assert_false(ct_error_is_public(&e));
    ct_error_format_public(&e, "gateway", ref, out, sizeof(out));
    assert_null(strchr(out, '/'));
    static const char want[] = "configuration error (see the gateway's log, reference ref-";
    assert_true(strncmp(out, want, sizeof(want) - 1) == 0);
    e.detail_public = true;
    assert_true(ct_error_is_public(&e));
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
        cmocka_unit_test(test_data_lines),
        cmocka_unit_test(test_error_table),
        cmocka_unit_test(test_public_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
