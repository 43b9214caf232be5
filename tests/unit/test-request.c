/* Unit tests: hypervisor-agent/request.c - what the agent accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto.h"
#include "request.h"
#include "validate.h"

#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPzX7bNNHnMg/PTz8Wg4RmmB9tiauoEc2fC/SPgHm9EX k"
#define CALLER "\"caller\":{\"uid\":\"alice\",\"uid_number\":10001,\"groups\":[\"ctgate-users\"]}"

static enum ct_err parse(const char *text, struct request *req, struct ct_error *err)
{
    return request_parse(text, strlen(text), req, err);
}

static void test_create_ok(void **state)
{
    (void)state;
    struct request req;
    struct ct_error err = {0};
    const char *text = "{\"v\":1,\"op\":\"create\"," CALLER ",\"hostname\":\"web1\","
                       "\"template\":\"busybox\",\"pubkey\":\"" KEY "\","
                       "\"request_id\":\"abcdef0123\"}";
    assert_int_equal(parse(text, &req, &err), CT_OK);
    assert_int_equal(req.op, OP_CREATE);
    assert_string_equal(req.hostname, "web1");
    assert_string_equal(req.template_name, "busybox");
    assert_string_equal(req.caller.uid, "alice");
    assert_int_equal(req.caller.uid_number, 10001);
    assert_true(request_caller_in_group(&req, "ctgate-users"));
    assert_false(request_caller_in_group(&req, "ctgate-admins"));
    assert_false(request_caller_in_group(&req, ""));
    assert_true(req.param[CT_P_PUBKEY].set);
    request_free(&req);
}

static void expect(const char *text, enum ct_err code)
{
    struct request req;
    struct ct_error err = {0};
    enum ct_err rc = parse(text, &req, &err);
    if (rc == CT_OK) {
        request_free(&req);
    }
    assert_int_equal(rc, code);
}

static void test_rejects(void **state)
{
    (void)state;
    expect("", CT_ERR_BAD_REQUEST);
    expect("{", CT_ERR_BAD_REQUEST);
    expect("[]", CT_ERR_BAD_REQUEST);
    expect("{\"v\":2,\"op\":\"list\"," CALLER "}", CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"list\"}", CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"sh\"," CALLER "}", CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"list\"," CALLER ",\"x\":1}", CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"list\"," CALLER ",\"hostname\":\"a\"}", CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"list\",\"op\":\"list\"," CALLER "}", CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"info\"," CALLER "}", CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"info\"," CALLER ",\"hostname\":\"A\"}", CT_ERR_BAD_HOSTNAME);
    expect("{\"v\":1,\"op\":\"info\"," CALLER ",\"hostname\":7}", CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"info\"," CALLER ",\"hostname\":\"a\\u0000b\"}", CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"list\",\"caller\":{\"uid\":\"alice\",\"uid_number\":0}}",
           CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"list\",\"caller\":{\"uid\":\"-x\",\"uid_number\":1000}}",
           CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"list\",\"caller\":{\"uid\":\"a\",\"uid_number\":1000,\"root\":1}}",
           CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"list\",\"caller\":{\"uid\":\"a\",\"uid_number\":1000,"
           "\"groups\":[\"a b\"]}}",
           CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"create\"," CALLER ",\"hostname\":\"w\",\"template\":\"b\","
           "\"pubkey\":\"from=\\\"x\\\" " KEY "\"}",
           CT_ERR_BAD_PUBKEY);
    expect("{\"v\":1,\"op\":\"create\"," CALLER ",\"hostname\":\"w\",\"template\":\"../b\","
           "\"pubkey\":\"" KEY "\"}",
           CT_ERR_BAD_TEMPLATE);
}

#define CREATE "{\"v\":1,\"op\":\"create\"," CALLER ",\"hostname\":\"w\",\"template\":\"b\"," \
               "\"pubkey\":\"" KEY "\""

static void test_create_policy_fields(void **state)
{
    (void)state;
    struct request req;
    struct ct_error err = {0};
    const char *text = CREATE ",\"size\":\"medium\",\"cpu\":2,\"memory_bytes\":256000000,"
                              "\"disk_bytes\":4294967296,\"http_port\":8080,\"expires_in\":0}";
    assert_int_equal(parse(text, &req, &err), CT_OK);
    assert_string_equal(ct_param_text(&req.param[CT_P_SIZE]), "medium");
    struct size_spec asked = request_limits(&req);
    assert_int_equal(asked.cpu, 2);
    assert_int_equal(asked.memory_bytes, 256000000);
    assert_int_equal(asked.disk_bytes, 4LL << 30);
    assert_int_equal(ct_param_number(&req.param[CT_P_HTTP_PORT]), 8080);
    assert_true(req.param[CT_P_EXPIRES].set); /* 0: "never" asked for explicitly */
    assert_int_equal(ct_param_number(&req.param[CT_P_EXPIRES]), 0);
    request_free(&req);
    assert_int_equal(parse(CREATE "}", &req, &err), CT_OK);
    assert_false(req.param[CT_P_EXPIRES].set);
    assert_false(req.param[CT_P_HTTP_PORT].set);
    request_free(&req);
    expect(CREATE ",\"cpu\":0}", CT_ERR_BAD_VALUE);
    expect(CREATE ",\"cpu\":\"2\"}", CT_ERR_BAD_VALUE);
    expect(CREATE ",\"cpu\":1.5}", CT_ERR_BAD_VALUE);
    expect(CREATE ",\"memory_bytes\":33554431}", CT_ERR_BAD_VALUE);
    expect(CREATE ",\"memory_mib\":512}", CT_ERR_BAD_REQUEST); /* the old name */
    expect(CREATE ",\"disk_bytes\":1125899906842625}", CT_ERR_BAD_VALUE); /* 1PiB + 1 */
    expect(CREATE ",\"http_port\":65536}", CT_ERR_BAD_VALUE);
    expect(CREATE ",\"expires_in\":-1}", CT_ERR_BAD_VALUE);
    expect(CREATE ",\"size\":\"Big!\"}", CT_ERR_BAD_REQUEST);
    /* policy fields belong to create only; the power ops need a name */
    expect("{\"v\":1,\"op\":\"stop\"," CALLER ",\"hostname\":\"w\",\"cpu\":1}",
           CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"restart\"," CALLER "}", CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"templates\"," CALLER ",\"hostname\":\"w\"}", CT_ERR_BAD_REQUEST);
    assert_int_equal(parse("{\"v\":1,\"op\":\"templates\"," CALLER "}", &req, &err), CT_OK);
    assert_int_equal(req.op, OP_TEMPLATES);
    request_free(&req);
}

/* snapshot, snapshots, restore: the snapshot's name is checked; only they take it. */
static void test_snapshots(void **state)
{
    (void)state;
    struct request req;
    struct ct_error err = {0};
    const char *ok = "{\"v\":1,\"op\":\"restore\"," CALLER ",\"hostname\":\"web1\","
                     "\"snapshot\":\"before-upgrade\"}";
    assert_int_equal(parse(ok, &req, &err), CT_OK);
    assert_int_equal(req.op, OP_RESTORE);
    assert_string_equal(req.snapshot, "before-upgrade");
    assert_false(req.snapshot_delete);
    request_free(&req);
    const char *del = "{\"v\":1,\"op\":\"snapshot\"," CALLER ",\"hostname\":\"web1\","
                      "\"snapshot\":\"s1\",\"delete\":true}";
    assert_int_equal(parse(del, &req, &err), CT_OK);
    assert_true(req.snapshot_delete);
    json_t *audit = request_params_json(&req);
    assert_string_equal(json_string_value(json_object_get(audit, "snapshot")), "s1");
    assert_true(json_is_true(json_object_get(audit, "delete")));
    json_decref(audit);
    request_free(&req);
    /* A snapshot without a name: the agent makes one. */
    expect("{\"v\":1,\"op\":\"snapshot\"," CALLER ",\"hostname\":\"web1\"}", CT_OK);
    expect("{\"v\":1,\"op\":\"snapshots\"," CALLER ",\"hostname\":\"web1\"}", CT_OK);
    /* restore needs one; names are labels of at most 32; only these operations take them. */
    expect("{\"v\":1,\"op\":\"restore\"," CALLER ",\"hostname\":\"web1\"}", CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"restore\"," CALLER ",\"hostname\":\"web1\",\"snapshot\":\"a/b\"}",
           CT_ERR_BAD_VALUE);
    expect("{\"v\":1,\"op\":\"snapshot\"," CALLER ",\"hostname\":\"web1\",\"snapshot\":\"-a\"}",
           CT_ERR_BAD_VALUE);
    expect("{\"v\":1,\"op\":\"snapshot\"," CALLER ",\"hostname\":\"web1\","
           "\"snapshot\":\"abcdefghijabcdefghijabcdefghijabc\"}",
           CT_ERR_BAD_VALUE);
    expect("{\"v\":1,\"op\":\"snapshot\"," CALLER ",\"hostname\":\"web1\",\"snapshot\":7}",
           CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"snapshot\"," CALLER ",\"hostname\":\"web1\",\"delete\":\"yes\"}",
           CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"snapshots\"," CALLER ",\"hostname\":\"web1\",\"snapshot\":\"s\"}",
           CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"info\"," CALLER ",\"hostname\":\"web1\",\"snapshot\":\"s\"}",
           CT_ERR_BAD_REQUEST);
    expect("{\"v\":1,\"op\":\"restore\"," CALLER ",\"hostname\":\"web1\",\"snapshot\":\"s\","
           "\"delete\":true}",
           CT_ERR_BAD_REQUEST);
    assert_true(validate_snapshot_name("abcdefghijabcdefghijabcdefghijab"));
    assert_false(validate_snapshot_name(""));
    assert_false(validate_snapshot_name("a-"));
    assert_false(validate_snapshot_name("A"));
}

static void test_size_limit(void **state)
{
    (void)state;
    static char big[PROTO_REQUEST_MAX + 2];
    memset(big, ' ', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    expect(big, CT_ERR_BAD_REQUEST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_ok),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_create_policy_fields),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_snapshots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
