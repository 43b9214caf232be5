/*
 * Unit tests: hypervisor-agent/state/audit.c (the signed chain, begin and
 * result records, failing closed) and shared/procid.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "json-secure.h"
#include "procid.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/ctgate-audit-test.XXXXXX");
    return mkdtemp(dir) != NULL && sodium_init() >= 0 ? 0 : -1;
}

/* A state directory with a signing key, as `ctgate-agent audit keygen` leaves it. */
static int setup_keyed(void **state)
{
    struct ct_error err = {0};
    return setup(state) == 0 && audit_keygen(dir, &err) == CT_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    const char *files[] = {"audit.log",     "audit.lock",      "audit.key",
                           "audit.pub",     "audit.head",      "saved.head",
                           "elsewhere.pub", "other/audit.key", "other/audit.pub"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/audit.log", dir);
    rmdir(path); /* test_unwritable's directory */
    snprintf(path, sizeof(path), "%s/other", dir);
    rmdir(path);
    return rmdir(dir);
}

static void append(const char *uid, const char *op, const char *host)
{
    struct audit_who who = {uid, "SHA256:x", "127.0.0.1"};
    struct ct_error err = {0};
    json_t *params = json_pack("{s:s}", "hostname", host);
    assert_int_equal(audit_append(dir, &who, op, params, CT_OK, NULL, NULL, &err), CT_OK);
    json_decref(params);
}

static int verify_quietly(void)
{
    FILE *sink = fopen("/dev/null", "w");
    int code = audit_verify(dir, NULL, sink);
    fclose(sink);
    return code;
}

/* verify fails (exit 5) and its words contain what. */
static void verify_fails_with(const char *what)
{
    char said[512] = "";
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(audit_verify(dir, NULL, f), CT_EXIT_CONFLICT);
    rewind(f);
    size_t n = fread(said, 1, sizeof(said) - 1, f);
    said[n] = '\0';
    fclose(f);
    if (strstr(said, what) == NULL) {
        fail_msg("verify said \"%s\", not \"%s\"", said, what);
    }
}

static void test_chain(void **state)
{
    (void)state;
    append("alice", "create", "a");
    append("bob", "list", "");
    append("alice", "delete", "a");
    assert_int_equal(verify_quietly(), 0);
    json_t *mine = NULL;
    struct ct_error err = {0};
    assert_int_equal(audit_select(dir, "alice", 0, "a", 0, false, &mine, &err), CT_OK);
    assert_int_equal(json_array_size(mine), 2);
    assert_null(json_object_get(json_array_get(mine, 0), "sig"));
    json_decref(mine);
    /* a flipped byte in the second record */
    char path[128];
    snprintf(path, sizeof(path), "%s/audit.log", dir);
    FILE *f = fopen(path, "r+");
    assert_non_null(f);
    char line[8192];
    assert_non_null(fgets(line, sizeof(line), f));
    long second = ftell(f);
    assert_int_equal(fseek(f, second + 20, SEEK_SET), 0);
    int c = fgetc(f);
    assert_int_equal(fseek(f, second + 20, SEEK_SET), 0);
    fputc(c ^ 1, f);
    fclose(f);
    assert_int_equal(verify_quietly(), CT_EXIT_CONFLICT);
}

/* Keep the first n lines of the log. */
static void keep_lines(int n)
{
    char path[128];
    char line[8192];
    snprintf(path, sizeof(path), "%s/audit.log", dir);
    FILE *f = fopen(path, "r+");
    assert_non_null(f);
    for (int i = 0; i < n; i++) {
        assert_non_null(fgets(line, sizeof(line), f));
    }
    assert_int_equal(ftruncate(fileno(f), ftell(f)), 0);
    fclose(f);
}

static void head_file(const char *from, const char *to)
{
    char a[128];
    char b[128];
    snprintf(a, sizeof(a), "%s/%s", dir, from);
    snprintf(b, sizeof(b), "%s/%s", dir, to);
    assert_int_equal(rename(a, b), 0);
}

static void test_head(void **state)
{
    (void)state;
    append("alice", "create", "a");
    append("alice", "list", "");
    head_file("audit.head", "saved.head"); /* the head after record 2 */
    append("alice", "delete", "a");
    assert_int_equal(verify_quietly(), 0);
    head_file("audit.head", "audit.head.3");
    head_file("saved.head", "audit.head");
    assert_int_equal(verify_quietly(), 0); /* a head one append behind: still intact */
    head_file("audit.head", "saved.head");
    verify_fails_with("audit.head is missing"); /* records but no head */
    head_file("audit.head.3", "audit.head");
    keep_lines(2); /* the last record cut off: the chain alone is intact */
    verify_fails_with("the log ends at record 2, but audit.head says record 3 was written");
    keep_lines(0);
    verify_fails_with("the log ends at record 0");
    /* a head moved back by hand: its signature no longer fits */
    char path[128];
    snprintf(path, sizeof(path), "%s/audit.head", dir);
    FILE *f = fopen(path, "r+");
    assert_non_null(f);
    char text[1024];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    char *seq = strstr(text, "\"seq\":3");
    assert_non_null(seq);
    seq[6] = '0';
    rewind(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    fclose(f);
    verify_fails_with("audit.head is unreadable or its signature is bad");
}

static void test_overlong_line(void **state)
{
    (void)state;
    append("alice", "create", "a");
    char path[128];
    snprintf(path, sizeof(path), "%s/audit.log", dir);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    for (size_t i = 0; i < AUDIT_LINE_MAX + 100; i++) {
        fputc('x', f);
    }
    fputs("\n{}\n", f);
    fclose(f);
    verify_fails_with("record at line 2 is not a record");
    json_t *all = NULL;
    struct ct_error err = {0};
    assert_int_equal(audit_select(dir, NULL, 0, NULL, 0, false, &all, &err), CT_OK);
    assert_int_equal(json_array_size(all), 2); /* the record and "{}"; the long line is skipped */
    json_decref(all);
}

static void test_key_mode(void **state)
{
    (void)state;
    struct ct_error err = {0};
    assert_int_equal(audit_keygen(dir, &err), CT_OK);
    assert_int_equal(audit_keygen(dir, &err), CT_ERR_NOT_ALLOWED); /* never overwritten */
    char path[128];
    snprintf(path, sizeof(path), "%s/audit.key", dir);
    assert_int_equal(chmod(path, 0640), 0);
    struct audit_who who = {"alice", "", ""};
    json_t *params = json_object();
    assert_int_equal(audit_append(dir, &who, "list", params, CT_OK, NULL, NULL, &err),
                     CT_ERR_CONFIG);
    json_decref(params);
}

static bool exists(const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* No key, no record: the key is an install step, never made on the fly. */
static void test_missing_key(void **state)
{
    (void)state;
    struct audit_who who = {"alice", "", ""};
    struct ct_error err = {0};
    long long seq = 7;
    json_t *params = json_object();
    assert_int_equal(audit_begin(dir, &who, "create", params, &seq, &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "audit keygen"));
    assert_int_equal(seq, 0);
    assert_int_equal(audit_append(dir, &who, "list", params, CT_OK, NULL, NULL, &err),
                     CT_ERR_CONFIG);
    json_decref(params);
    assert_false(exists("audit.key"));
    assert_false(exists("audit.log"));
}

/* A change is two records: begin (no result) before it, the result (naming the begin) after. */
static void test_begin_finish(void **state)
{
    (void)state;
    struct audit_who who = {"alice", "SHA256:x", "127.0.0.1"};
    struct ct_error err = {0};
    long long seq = 0;
    json_t *params = json_pack("{s:s}", "hostname", "a");
    append("bob", "list", "");
    assert_int_equal(audit_begin(dir, &who, "create", params, &seq, &err), CT_OK);
    assert_int_equal(seq, 2);
    assert_int_equal(audit_finish(dir, seq, &who, "create", params, CT_OK, NULL, NULL, &err),
                     CT_OK);
    json_decref(params);
    assert_int_equal(verify_quietly(), 0);
    json_t *results = NULL;
    json_t *all = NULL;
    assert_int_equal(audit_select(dir, "alice", 0, "a", 0, false, &results, &err), CT_OK);
    assert_int_equal(json_array_size(results), 1); /* history shows the result only */
    json_t *r = json_array_get(results, 0);
    assert_int_equal(json_integer_value(json_object_get(r, "begin")), 2);
    assert_true(json_is_true(json_object_get(json_object_get(r, "result"), "ok")));
    assert_int_equal(audit_select(dir, "alice", 0, "a", 0, true, &all, &err), CT_OK);
    assert_int_equal(json_array_size(all), 2);
    json_t *b = json_array_get(all, 0);
    assert_string_equal(json_string_value(json_object_get(b, "phase")), AUDIT_PHASE_BEGIN);
    assert_null(json_object_get(b, "result"));
    assert_int_equal(json_integer_value(json_object_get(b, "seq")), 2);
    json_decref(results);
    json_decref(all);
}

/* A log that cannot be written: begin fails, so the caller must not run the operation. */
static void test_unwritable(void **state)
{
    (void)state;
    struct audit_who who = {"alice", "", ""};
    struct ct_error err = {0};
    long long seq = 0;
    char path[128];
    snprintf(path, sizeof(path), "%s/audit.log", dir);
    assert_int_equal(mkdir(path, 0700), 0); /* a directory where the log should be */
    json_t *params = json_object();
    assert_int_not_equal(audit_begin(dir, &who, "create", params, &seq, &err), CT_OK);
    assert_int_equal(seq, 0);
    json_decref(params);
    assert_false(exists("audit.head"));
}

/* verify --pubkey: a copy of audit.pub kept elsewhere passes; another key does not. */
static void test_pubkey(void **state)
{
    (void)state;
    char a[128];
    char b[128];
    char other[128];
    struct ct_error err = {0};
    append("alice", "create", "a");
    append("alice", "delete", "a");
    snprintf(a, sizeof(a), "%s/audit.pub", dir);
    snprintf(b, sizeof(b), "%s/elsewhere.pub", dir);
    assert_int_equal(link(a, b), 0);
    FILE *sink = fopen("/dev/null", "w");
    assert_int_equal(audit_verify(dir, b, sink), 0);
    snprintf(other, sizeof(other), "%s/other", dir);
    assert_int_equal(mkdir(other, 0700), 0);
    assert_int_equal(audit_keygen(other, &err), CT_OK);
    snprintf(b, sizeof(b), "%s/other/audit.pub", dir);
    assert_int_equal(audit_verify(dir, b, sink), CT_EXIT_CONFLICT); /* signed by another key */
    snprintf(b, sizeof(b), "%s/nowhere.pub", dir);
    assert_int_equal(audit_verify(dir, b, sink), CT_EXIT_BACKEND);
    fclose(sink);
}

static void test_procid(void **state)
{
    (void)state;
    struct procid me;
    assert_true(procid_self(&me));
    assert_true(procid_alive(&me));
    struct procid other = me;
    other.start++; /* same pid, another start: a different process */
    assert_false(procid_alive(&other));
    pid_t child = fork();
    if (child == 0) {
        _exit(0);
    }
    waitpid(child, NULL, 0);
    struct procid gone = me;
    gone.pid = child;
    assert_false(procid_alive(&gone));
    snprintf(other.boot, sizeof(other.boot), "00000000-0000-0000-0000-000000000000");
    other.start = me.start;
    assert_false(procid_alive(&other)); /* another boot */
}

int main(void)
{
    json_secure_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain, setup_keyed, teardown),
        cmocka_unit_test_setup_teardown(test_head, setup_keyed, teardown),
        cmocka_unit_test_setup_teardown(test_overlong_line, setup_keyed, teardown),
        cmocka_unit_test_setup_teardown(test_key_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_begin_finish, setup_keyed, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable, setup_keyed, teardown),
        cmocka_unit_test_setup_teardown(test_pubkey, setup_keyed, teardown),
        cmocka_unit_test(test_procid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
