/*
 * Unit tests: shared/params-table.c - the create parameters' one table:
 * every row documented, people's text checked (at the limit and one over),
 * the agent's re-validation, and a value that goes from the gateway's text
 * through the request JSON into the agent unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "params-table.h"
#include "request.h"

#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPzX7bNNHnMg/PTz8Wg4RmmB9tiauoEc2fC/SPgHm9EX k"
#define CALLER "\"caller\":{\"uid\":\"alice\",\"uid_number\":10001}"

static char *read_doc(const char *rel)
{
    const char *src = getenv("CTGATE_SOURCE_DIR");
    char path[4096];
    struct buf text;
    snprintf(path, sizeof(path), "%s/%s", src != NULL ? src : ".", rel);
    buf_init(&text, (size_t)1024 * 1024);
    assert_int_equal(buf_read_file(&text, path), 0);
    char *copy = strndup(text.data, text.len);
    buf_free(&text);
    assert_non_null(copy);
    return copy;
}

/* "--http-port" as a man page spells it: "\-\-http\-port". */
static void man_flag(const char *flag, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "\\-\\-");
    for (const char *p = flag; *p != '\0' && n + 3 < len; p++) {
        if (*p == '-') {
            out[n++] = '\\';
        }
        out[n++] = *p;
    }
    out[n] = '\0';
}

static void test_every_row_is_documented(void **state)
{
    (void)state;
    char *usage = read_doc("docs/usage.md");
    char *man = read_doc("docs/ctgate.8");
    for (size_t i = 0; i < CT_P_COUNT; i++) {
        const struct ct_param_def *d = &ct_params[i];
        char flag[64];
        snprintf(flag, sizeof(flag), "--%s", d->flag);
        if (strstr(usage, flag) == NULL || strstr(usage, d->env) == NULL) {
            fail_msg("docs/usage.md does not name %s and %s", flag, d->env);
        }
        man_flag(d->flag, flag, sizeof(flag));
        if (strstr(man, flag) == NULL || strstr(man, d->env) == NULL) {
            fail_msg("docs/ctgate.8 does not name %s and %s", flag, d->env);
        }
        assert_non_null(d->wire);
        assert_non_null(d->rule);
        assert_non_null(d->help);
        assert_ptr_equal(ct_param_by_wire(d->wire), d);
    }
    free(usage);
    free(man);
}

/* text accepted for id; its stored text (when given) and number. */
static void accepts(enum ct_param_id id, const char *text, const char *stored, long long number)
{
    struct ct_param_value v = {0};
    char why[256] = "";
    if (!ct_param_from_text(id, text, &v, why, sizeof(why))) {
        fail_msg("%s refused '%s': %s", ct_params[id].flag, text, why);
    }
    assert_true(v.set);
    if (stored != NULL) {
        assert_string_equal(v.text, stored);
    }
    assert_int_equal(v.number, number);
    ct_param_value_free(&v);
}

/* text refused for id, with a reason containing because. */
static void refuses(enum ct_param_id id, const char *text, const char *because)
{
    struct ct_param_value v = {0};
    char why[256] = "";
    if (ct_param_from_text(id, text, &v, why, sizeof(why))) {
        fail_msg("%s accepted '%s'", ct_params[id].flag, text);
    }
    assert_false(v.set);
    if (strstr(why, because) == NULL) {
        fail_msg("%s '%s': reason '%s' does not say '%s'", ct_params[id].flag, text, why, because);
    }
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void test_scalars_from_text(void **state)
{
    (void)state;
    accepts(CT_P_HOSTNAME, "Web1", "web1", 0);
    refuses(CT_P_HOSTNAME, "web_1", "not a hostname: 1 to 63 of a-z");
    char *name = repeat('a', 63);
    accepts(CT_P_HOSTNAME, name, name, 0);
    free(name);
    name = repeat('a', 64);
    refuses(CT_P_HOSTNAME, name, "not a hostname");
    free(name);
    accepts(CT_P_TEMPLATE, "debian-12", "debian-12", 0);
    refuses(CT_P_TEMPLATE, "../x", "not a template name");
    accepts(CT_P_PUBKEY, KEY, KEY, 0);
    refuses(CT_P_PUBKEY, "ssh-ed25519 AAAA", "not a usable public key: ");
    accepts(CT_P_CPU, "1024", "1024", 1024);
    refuses(CT_P_CPU, "1025", "a number of CPUs, 1 to 1024");
    refuses(CT_P_CPU, "0", "a number of CPUs");
    refuses(CT_P_CPU, "+1", "a number of CPUs");
    refuses(CT_P_CPU, "1x", "a number of CPUs");
    accepts(CT_P_MEMORY, "32", "32", 32LL << 20);
    accepts(CT_P_MEMORY, "2GiB", "2GiB", 2LL << 30);
    accepts(CT_P_MEMORY, "256MB", "256MB", 256000000);
    accepts(CT_P_MEMORY, "256M", "256M", 256LL << 20);
    accepts(CT_P_DISK, "2GB", "2GB", 2000000000);
    refuses(CT_P_MEMORY, "33554431B", "at least 32MiB");
    refuses(CT_P_MEMORY, "33MB", "at least 32MiB"); /* 33 * 10^6 < 32 * 2^20 */
    refuses(CT_P_MEMORY, "31", "a size like 512MiB or 2GiB, at least 32MiB");
    refuses(CT_P_DISK, "255MiB", "at least 256MiB");
    accepts(CT_P_HTTP_PORT, "65535", NULL, 65535);
    refuses(CT_P_HTTP_PORT, "65536", "a port number, 1 to 65535");
    accepts(CT_P_EXPIRES, "never", "never", 0);
    accepts(CT_P_EXPIRES, "2h", "2h", 7200);
    refuses(CT_P_EXPIRES, "0m", "a duration like");
    refuses(CT_P_EXPIRES, "tomorrow", "a duration like");
    accepts(CT_P_REQUEST_ID, "ci-run-4", "ci-run-4", 0);
    refuses(CT_P_REQUEST_ID, "ci-run4", "8 to 64 of");
    char *id = repeat('a', 64);
    accepts(CT_P_REQUEST_ID, id, id, 0);
    free(id);
    id = repeat('a', 65);
    refuses(CT_P_REQUEST_ID, id, "8 to 64 of");
    free(id);
}

static void test_description(void **state)
{
    (void)state;
    const char *rule = "a description: 1 to 200 bytes of printable UTF-8, no control characters";
    accepts(CT_P_DESCRIPTION, "staging for the Q3 demo", "staging for the Q3 demo", 0);
    accepts(CT_P_DESCRIPTION, "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80", NULL, 0);
    char *text = repeat('x', 200);
    accepts(CT_P_DESCRIPTION, text, text, 0);
    free(text);
    text = repeat('x', 201);
    refuses(CT_P_DESCRIPTION, text, rule);
    free(text);
    refuses(CT_P_DESCRIPTION, "", rule);
    refuses(CT_P_DESCRIPTION, "a\tb", rule);
    refuses(CT_P_DESCRIPTION, "a\nb", rule);
    refuses(CT_P_DESCRIPTION, "a\rb", rule);
    refuses(CT_P_DESCRIPTION, "\x1b[31mred", rule);
    refuses(CT_P_DESCRIPTION, "del\x7f", rule);
    refuses(CT_P_DESCRIPTION, "c1 \xc2\x85", rule);       /* U+0085 NEL */
    refuses(CT_P_DESCRIPTION, "bidi \xe2\x80\xae", rule); /* U+202E */
    refuses(CT_P_DESCRIPTION, "line \xe2\x80\xa8", rule); /* U+2028 */
    refuses(CT_P_DESCRIPTION, "bad \xff", rule);          /* not UTF-8 */
    refuses(CT_P_DESCRIPTION, "overlong \xc0\xaf", rule); /* '/' in two bytes */
    refuses(CT_P_DESCRIPTION, "surrogate \xed\xa0\x80", rule);
    refuses(CT_P_DESCRIPTION, "cut \xe2\x9c", rule);
}

static void test_list_from_text(void **state)
{
    (void)state;
    struct ct_param_value v = {0};
    char why[256] = "";
    /* --protocol echo --protocol a,b: each value adds; empty items are skipped */
    assert_true(ct_param_from_text(CT_P_PROTOCOLS, "echo", &v, why, sizeof(why)));
    assert_true(ct_param_from_text(CT_P_PROTOCOLS, ",a,,b,", &v, why, sizeof(why)));
    assert_int_equal(v.nitems, 3);
    assert_string_equal(v.items[0], "echo");
    assert_string_equal(v.items[2], "b");
    assert_false(ct_param_from_text(CT_P_PROTOCOLS, "c,echo", &v, why, sizeof(why)));
    assert_string_equal(why, "protocol echo named twice");
    assert_int_equal(v.nitems, 3); /* a refused value adds nothing */
    assert_false(ct_param_from_text(CT_P_PROTOCOLS, "Bad!", &v, why, sizeof(why)));
    assert_string_equal(why, "not a protocol name: a-z, 0-9, '.', '_', '-'; comma-separated");
    ct_param_value_free(&v);

    char list[512] = "";
    for (int i = 0; i < 16; i++) {
        char one[16];
        snprintf(one, sizeof(one), "%sp%d", i ? "," : "", i);
        strcat(list, one);
    }
    assert_true(ct_param_from_text(CT_P_PROTOCOLS, list, &v, why, sizeof(why)));
    assert_int_equal(v.nitems, 16);
    assert_false(ct_param_from_text(CT_P_PROTOCOLS, "p16", &v, why, sizeof(why)));
    assert_string_equal(why, "at most 16 protocols");
    ct_param_value_free(&v);

    /* --protocol "": given, and none */
    assert_true(ct_param_from_text(CT_P_PROTOCOLS, "", &v, why, sizeof(why)));
    assert_true(v.set);
    assert_int_equal(v.nitems, 0);
    json_t *obj = json_object();
    struct ct_param_value all[CT_P_COUNT] = {0};
    all[CT_P_PROTOCOLS] = v;
    assert_int_equal(ct_params_to_json(all, CT_PARAM_JSON_REQUEST, obj), 0);
    assert_int_equal(json_object_size(obj), 0); /* an empty list is not sent */
    json_decref(obj);
    ct_param_value_free(&v);
}

/* The agent's check of one wire value. */
static enum ct_err from_json(enum ct_param_id id, const char *json_text)
{
    json_error_t jerr;
    json_t *j = json_loads(json_text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    assert_non_null(j);
    struct ct_param_value v;
    struct ct_error err = {0};
    enum ct_err rc = ct_param_from_json(id, j, &v, &err);
    if (rc == CT_OK) {
        assert_true(v.set);
        ct_param_value_free(&v);
    }
    json_decref(j);
    return rc;
}

static void test_from_json(void **state)
{
    (void)state;
    struct ct_param_value v;
    struct ct_error err = {0};
    assert_int_equal(ct_param_from_json(CT_P_CPU, NULL, &v, &err), CT_OK);
    assert_false(v.set);
    assert_int_equal(from_json(CT_P_CPU, "1024"), CT_OK);
    assert_int_equal(from_json(CT_P_CPU, "1025"), CT_ERR_BAD_VALUE);
    assert_int_equal(from_json(CT_P_CPU, "\"2\""), CT_ERR_BAD_VALUE);
    assert_int_equal(from_json(CT_P_EXPIRES, "0"), CT_OK);
    assert_int_equal(from_json(CT_P_EXPIRES, "-1"), CT_ERR_BAD_VALUE);
    assert_int_equal(from_json(CT_P_HOSTNAME, "\"Web1\""), CT_ERR_BAD_HOSTNAME);
    assert_int_equal(from_json(CT_P_TEMPLATE, "\"../b\""), CT_ERR_BAD_TEMPLATE);
    assert_int_equal(from_json(CT_P_PUBKEY, "\"ssh-rsa x\""), CT_ERR_BAD_PUBKEY);
    assert_int_equal(from_json(CT_P_SIZE, "7"), CT_ERR_BAD_REQUEST);
    assert_int_equal(from_json(CT_P_PROTOCOLS, "[\"echo\",\"ssh\"]"), CT_OK);
    assert_int_equal(from_json(CT_P_PROTOCOLS, "[\"echo\",\"echo\"]"), CT_ERR_BAD_REQUEST);
    assert_int_equal(from_json(CT_P_PROTOCOLS, "\"echo\""), CT_ERR_BAD_REQUEST);
    assert_int_equal(from_json(CT_P_PROTOCOLS, "[1]"), CT_ERR_BAD_REQUEST);
    assert_int_equal(from_json(CT_P_DESCRIPTION, "\"caf\\u00e9\""), CT_OK);
    assert_int_equal(from_json(CT_P_DESCRIPTION, "\"bell\\u0007\""), CT_ERR_BAD_REQUEST);
    assert_int_equal(from_json(CT_P_DESCRIPTION, "\"nul\\u0000x\""), CT_ERR_BAD_REQUEST);
    assert_int_equal(from_json(CT_P_DESCRIPTION, "\"\""), CT_ERR_BAD_REQUEST);
    char text[256];
    char *x = repeat('x', 200);
    snprintf(text, sizeof(text), "\"%s\"", x);
    assert_int_equal(from_json(CT_P_DESCRIPTION, text), CT_OK);
    snprintf(text, sizeof(text), "\"%sx\"", x);
    assert_int_equal(from_json(CT_P_DESCRIPTION, text), CT_ERR_BAD_REQUEST);
    free(x);
}

/* What the gateway builds from people's text, the agent parses back unchanged. */
static void test_gateway_to_agent(void **state)
{
    (void)state;
    static const struct {
        enum ct_param_id id;
        const char *text;
    } given[] = {
        {CT_P_HOSTNAME, "Web1"},
        {CT_P_TEMPLATE, "busybox"},
        {CT_P_PUBKEY, KEY},
        {CT_P_SIZE, "medium"},
        {CT_P_MEMORY, "1GiB"},
        {CT_P_HTTP_PORT, "8080"},
        {CT_P_PROTOCOLS, "echo,b"},
        {CT_P_EXPIRES, "never"},
        {CT_P_REQUEST_ID, "abcdef0123"},
        {CT_P_DESCRIPTION, "caf\xc3\xa9 demo"},
    };
    struct ct_param_value values[CT_P_COUNT] = {0};
    char why[256];
    for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++) {
        assert_true(
            ct_param_from_text(given[i].id, given[i].text, &values[given[i].id], why, sizeof(why)));
    }
    json_t *req = json_pack("{s:i, s:s, s:{s:s, s:i}}", "v", 1, "op", "create", "caller", "uid",
                            "alice", "uid_number", 10001);
    assert_int_equal(ct_params_to_json(values, CT_PARAM_JSON_REQUEST, req), 0);
    assert_int_equal(json_integer_value(json_object_get(req, "memory_bytes")), 1LL << 30);
    assert_int_equal(json_integer_value(json_object_get(req, "expires_in")), 0);
    assert_int_equal(json_array_size(json_object_get(req, "protocols")), 2);
    assert_null(json_object_get(req, "cpu"));
    char *text = json_dumps(req, JSON_COMPACT);
    struct request parsed;
    struct ct_error err = {0};
    assert_int_equal(request_parse(text, strlen(text), &parsed, &err), CT_OK);
    assert_string_equal(parsed.hostname, "web1");
    assert_string_equal(parsed.template_name, "busybox");
    assert_string_equal(parsed.request_id, "abcdef0123");
    assert_int_equal(request_limits(&parsed).memory_bytes, 1LL << 30);
    assert_true(parsed.param[CT_P_EXPIRES].set);
    assert_int_equal(parsed.param[CT_P_PROTOCOLS].nitems, 2);
    assert_string_equal(parsed.param[CT_P_PROTOCOLS].items[1], "b");
    assert_string_equal(ct_param_text(&parsed.param[CT_P_DESCRIPTION]), "caf\xc3\xa9 demo");
    assert_string_equal(ct_param_text(&parsed.param[CT_P_PUBKEY]), KEY);
    json_t *audit = request_params_json(&parsed);
    assert_null(json_object_get(audit, "pubkey"));
    assert_non_null(json_string_value(json_object_get(audit, "pubkey_fingerprint")));
    assert_string_equal(json_string_value(json_object_get(audit, "description")),
                        "caf\xc3\xa9 demo");
    json_decref(audit);
    request_free(&parsed);
    free(text);
    json_decref(req);
    ct_param_values_free(values, CT_P_COUNT);

    /* a description belongs to create only */
    const char *list = "{\"v\":1,\"op\":\"list\"," CALLER ",\"description\":\"x\"}";
    assert_int_equal(request_parse(list, strlen(list), &parsed, &err), CT_ERR_BAD_REQUEST);
    assert_string_equal(err.detail, "unknown field 'description'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_row_is_documented),
        cmocka_unit_test(test_scalars_from_text),
        cmocka_unit_test(test_description),
        cmocka_unit_test(test_list_from_text),
        cmocka_unit_test(test_from_json),
        cmocka_unit_test(test_gateway_to_agent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
