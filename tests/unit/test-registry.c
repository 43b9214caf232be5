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

#define NO_PORTS NULL

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
    assert_int_equal(registry_reserve(dir, "web", "alice", "req-00001", t, NO_PORTS, &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "web", "bob", "req-00002", t, NO_PORTS, &err),
                     CT_ERR_HOSTNAME_TAKEN);
    /* another request's undo must not free alice's name */
    assert_int_equal(registry_release(dir, "web", "req-00002", &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "web", "bob", "req-00002", t, NO_PORTS, &err),
                     CT_ERR_HOSTNAME_TAKEN);
    assert_int_equal(registry_release(dir, "web", "req-00001", &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "web", "bob", "req-00002", t, NO_PORTS, &err), CT_OK);
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
            enum ct_err rc = registry_reserve(dir, "contested", "u", rid, "t", NO_PORTS, &err);
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

static void test_ports_and_addresses(void **state)
{
    (void)state;
    struct ct_error err = {0};
    static const struct protocol echo = {"echo", 7, false};
    static const struct protocol ntp = {"ntp", 123, true};
    struct reserve_claim a = {.ssh = {24000, 24001}, .proto = {25000, 25002}};
    struct reserve_claim b = a;
    struct reserve_claim c = a;
    a.nproto = 2;
    a.proto_list[0] = &echo;
    a.proto_list[1] = &ntp;
    assert_int_equal(registry_reserve(dir, "a", "u", "req-0000a", "t", &a, &err), CT_OK);
    assert_int_equal(a.ssh_port, 24000);
    assert_int_equal(a.proto_external[0], 25000);
    assert_int_equal(a.proto_external[1], 25001);
    b.nproto = 2; /* only one protocol port is left: refused, nothing reserved */
    b.proto_list[0] = &echo;
    b.proto_list[1] = &ntp;
    assert_int_equal(registry_reserve(dir, "b", "u", "req-0000b", "t", &b, &err),
                     CT_ERR_NOT_ALLOWED);
    bool taken = true;
    assert_int_equal(registry_is_reserved(dir, "b", &taken, &err), CT_OK);
    assert_false(taken);
    b.nproto = 1;
    assert_int_equal(registry_reserve(dir, "b", "u", "req-0000b", "t", &b, &err), CT_OK);
    assert_int_equal(b.ssh_port, 24001);
    assert_int_equal(b.proto_external[0], 25002);
    /* The SSH range is full now. */
    assert_int_equal(registry_reserve(dir, "c", "u", "req-0000c", "t", &c, &err),
                     CT_ERR_NOT_ALLOWED);
    /* Freed ports are handed out again. */
    assert_int_equal(registry_release(dir, "a", "req-0000a", &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "c", "u", "req-0000c", "t", &c, &err), CT_OK);
    assert_int_equal(c.ssh_port, 24000);
    /* Only the holder sets the address; NULL clears it. */
    assert_int_equal(registry_set_address(dir, "c", "req-other", "10.0.0.2", 80, &err),
                     CT_ERR_INTERNAL);
    assert_int_equal(registry_set_address(dir, "c", "req-0000c", "10.0.0.2", 8080, &err), CT_OK);
    json_t *snap = NULL;
    assert_int_equal(registry_snapshot(dir, &snap, &err), CT_OK);
    json_t *e = json_object_get(json_object_get(snap, "hostnames"), "c");
    assert_string_equal(json_string_value(json_object_get(e, "ipv4")), "10.0.0.2");
    assert_int_equal(json_integer_value(json_object_get(e, "http_port")), 8080);
    assert_int_equal(json_integer_value(json_object_get(e, "ssh_port")), 24000);
    json_decref(snap);
    assert_int_equal(registry_set_address(dir, "c", "req-0000c", NULL, 0, &err), CT_OK);
    assert_int_equal(registry_snapshot(dir, &snap, &err), CT_OK);
    e = json_object_get(json_object_get(snap, "hostnames"), "c");
    assert_null(json_object_get(e, "ipv4"));
    json_decref(snap);
}

static void test_quota(void **state)
{
    (void)state;
    struct ct_error err = {0};
    struct reserve_claim q = {.memory_mib = 512, .quota_containers = 2, .quota_memory_mib = 1024};
    assert_int_equal(registry_reserve(dir, "q1", "ann", "req-000q1", "t", &q, &err), CT_OK);
    /* another owner's entries do not count */
    struct reserve_claim other = {.memory_mib = 4096};
    assert_int_equal(registry_reserve(dir, "o1", "ben", "req-000o1", "t", &other, &err), CT_OK);
    q.memory_mib = 768; /* 512 + 768 > 1024 */
    assert_int_equal(registry_reserve(dir, "q2", "ann", "req-000q2", "t", &q, &err), CT_ERR_QUOTA);
    assert_non_null(strstr(err.detail, "memory"));
    q.memory_mib = 512;
    assert_int_equal(registry_reserve(dir, "q2", "ann", "req-000q2", "t", &q, &err), CT_OK);
    q.memory_mib = 0;
    q.quota_memory_mib = 0;
    assert_int_equal(registry_reserve(dir, "q3", "ann", "req-000q3", "t", &q, &err), CT_ERR_QUOTA);
    assert_non_null(strstr(err.detail, "you have 2 containers, the most allowed is 2"));
    bool taken = true;
    assert_int_equal(registry_is_reserved(dir, "q3", &taken, &err), CT_OK);
    assert_false(taken);
    /* a released name frees its share of the quota */
    assert_int_equal(registry_release(dir, "q1", NULL, &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "q3", "ann", "req-000q3", "t", &q, &err), CT_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reserve_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ports_and_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
