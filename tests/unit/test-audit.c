/* Unit tests: hypervisor-agent/state/audit.c (the signed chain) and shared/procid.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
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

static int teardown(void **state)
{
    (void)state;
    char path[128];
    const char *files[] = {"audit.log", "audit.lock", "audit.key", "audit.pub", "audit.head",
                           "saved.head"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
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
    int code = audit_verify(dir, sink);
    fclose(sink);
    return code;
}

/* verify fails (exit 5) and its words contain what. */
static void verify_fails_with(const char *what)
{
    char said[512] = "";
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(audit_verify(dir, f), CT_EXIT_CONFLICT);
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
    assert_int_equal(audit_select(dir, "alice", 0, "a", 0, &mine, &err), CT_OK);
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
    assert_int_equal(audit_select(dir, NULL, 0, NULL, 0, &all, &err), CT_OK);
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
        cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlong_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_mode, setup, teardown),
        cmocka_unit_test(test_procid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
