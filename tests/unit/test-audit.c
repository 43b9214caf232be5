/* Unit tests: hypervisor-agent/audit.c (the signed chain) and shared/procid.c. */
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
    const char *files[] = {"audit.log", "audit.lock", "audit.key", "audit.pub"};
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
        cmocka_unit_test_setup_teardown(test_key_mode, setup, teardown),
        cmocka_unit_test(test_procid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
