/* Unit tests: hypervisor-agent/registry.c - reservations are exclusive, even across processes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "registry.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/ctgate-registry-test.XXXXXX");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    const char *files[] = {"registry.json", "registry.lock", "registry.json.tmp"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    return rmdir(dir);
}

static void test_reserve_release(void **state)
{
    (void)state;
    struct ct_error err = {0};
    const char *t = "2026-01-01T00:00:00Z";
    assert_int_equal(registry_reserve(dir, "web", "alice", "req-00001", t, &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "web", "bob", "req-00002", t, &err),
                     CT_ERR_HOSTNAME_TAKEN);
    /* another request's undo must not free alice's name */
    assert_int_equal(registry_release(dir, "web", "req-00002", &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "web", "bob", "req-00002", t, &err),
                     CT_ERR_HOSTNAME_TAKEN);
    assert_int_equal(registry_release(dir, "web", "req-00001", &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "web", "bob", "req-00002", t, &err), CT_OK);
    assert_int_equal(registry_release(dir, "web", NULL, &err), CT_OK);
    assert_int_equal(registry_release(dir, "never", NULL, &err), CT_OK);
}

static void test_concurrent_processes(void **state)
{
    (void)state;
    enum { N = 16 };
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            struct ct_error err = {0};
            char rid[32];
            snprintf(rid, sizeof(rid), "request-%04d", i);
            enum ct_err rc = registry_reserve(dir, "contested", "u", rid, "t", &err);
            _exit(rc == CT_OK ? 0 : rc == CT_ERR_HOSTNAME_TAKEN ? 1 : 2);
        }
    }
    int winners = 0;
    int losers = 0;
    for (int i = 0; i < N; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        winners += WEXITSTATUS(status) == 0;
        losers += WEXITSTATUS(status) == 1;
    }
    assert_int_equal(winners, 1);
    assert_int_equal(losers, N - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reserve_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_processes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
