/* Unit tests: hypervisor-agent/state/registry.c - reservations are exclusive, even across processes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
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

/* Removes what the registry wrote; rmdir fails (and the test with it) on anything else. */
static int teardown(void **state)
{
    (void)state;
    char path[128];
    const char *files[] = {"registry.json", "registry.lock"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    return rmdir(dir);
}

static void write_registry(const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/registry.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
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
    struct registry_snapshot snap;
    assert_int_equal(registry_snapshot_load(dir, &snap, &err), CT_OK);
    assert_int_equal(snap.n, 2); /* b and c, sorted */
    assert_string_equal(snap.entries[0].hostname, "b");
    const struct registry_entry *e = registry_snapshot_find(&snap, "c");
    assert_non_null(e);
    assert_string_equal(e->ipv4, "10.0.0.2");
    assert_int_equal(e->http_port, 8080);
    assert_int_equal(e->ssh_port, 24000);
    assert_null(registry_snapshot_find(&snap, "a"));
    e = registry_snapshot_find(&snap, "b");
    assert_non_null(e);
    assert_int_equal(e->nprotocols, 1);
    assert_string_equal(e->protocols[0].name, "echo");
    assert_int_equal(e->protocols[0].port, 7);
    assert_int_equal(e->protocols[0].external, 25002);
    assert_false(e->protocols[0].udp);
    registry_snapshot_free(&snap);
    assert_int_equal(registry_set_address(dir, "c", "req-0000c", NULL, 0, &err), CT_OK);
    struct registry_entry one;
    bool found = false;
    assert_int_equal(registry_lookup(dir, "c", &one, &found, &err), CT_OK);
    assert_true(found);
    assert_string_equal(one.ipv4, "");
    assert_int_equal(one.http_port, 8080); /* kept for the next start */
    assert_int_equal(registry_lookup(dir, "nothing", &one, &found, &err), CT_OK);
    assert_false(found);
}

/* A registry written by an earlier version (the documented format) reads and changes as ever. */
static const char old_file[] =
    "{\"hostnames\": {\"web1\": {\"owner\": \"alice\", \"request_id\": \"req-web1\",\n"
    "  \"reserved\": \"2026-11-23T12:44:53Z\", \"ssh_port\": 24000, \"memory_mib\": 512,\n"
    "  \"ipv4\": \"10.213.77.23\", \"http_port\": 80,\n"
    "  \"protocols\": {\"echo\": {\"port\": 7, \"external\": 25000, \"transport\": \"tcp\"},\n"
    "                \"ntp\": {\"port\": 123, \"external\": 25001, \"transport\": \"udp\"}}},\n"
    " \"gone\": {\"owner\": \"bob\", \"request_id\": \"req-gone\", \"reserved\": \"t\",\n"
    "  \"pending\": {\"op\": \"delete\", \"pid\": 1, \"start\": 1, \"boot\": \"0\"}}},\n"
    " \"v\": 1}\n";

static void test_existing_file(void **state)
{
    (void)state;
    struct ct_error err = {0};
    write_registry(old_file);
    struct registry_entry e;
    bool found = false;
    assert_int_equal(registry_lookup(dir, "web1", &e, &found, &err), CT_OK);
    assert_true(found);
    assert_string_equal(e.owner, "alice");
    assert_string_equal(e.request_id, "req-web1");
    assert_string_equal(e.reserved, "2026-11-23T12:44:53Z");
    assert_int_equal(e.ssh_port, 24000);
    assert_int_equal(e.memory_bytes, 512LL << 20); /* "memory_mib" of old */
    assert_string_equal(e.ipv4, "10.213.77.23");
    assert_int_equal(e.http_port, 80);
    assert_int_equal(e.nprotocols, 2);
    assert_string_equal(e.protocols[1].name, "ntp");
    assert_true(e.protocols[1].udp);
    assert_int_equal(e.pending, REGISTRY_SETTLED);
    assert_false(registry_entry_abandoned(&e));
    /* a delete whose process is gone (another boot id): abandoned */
    assert_int_equal(registry_lookup(dir, "gone", &e, &found, &err), CT_OK);
    assert_int_equal(e.pending, REGISTRY_DELETING);
    assert_string_equal(registry_pending_name(e.pending), "delete");
    assert_true(registry_entry_abandoned(&e));
    /* the ports and the memory it holds count */
    struct reserve_claim c = {
        .ssh = {24000, 24001}, .memory_bytes = 512LL << 20, .quota_memory_bytes = 1LL << 30};
    assert_int_equal(registry_reserve(dir, "web2", "alice", "req-web2", "t", &c, &err), CT_OK);
    assert_int_equal(c.ssh_port, 24001);
    assert_int_equal(registry_reserve(dir, "web3", "alice", "req-web3", "t", &c, &err),
                     CT_ERR_QUOTA);
    /* the abandoned holder is reported to the next reserve of its name */
    struct reserve_claim again = {0};
    assert_int_equal(registry_reserve(dir, "gone", "bob", "req-new", "t", &again, &err),
                     CT_ERR_HOSTNAME_TAKEN);
    assert_true(again.abandoned);
    assert_string_equal(again.abandoned_rid, "req-gone");
    /* what was written keeps the format: the entries it did not change are as they were */
    char path[128];
    snprintf(path, sizeof(path), "%s/registry.json", dir);
    json_t *before = json_loads(old_file, 0, NULL);
    json_t *after = json_load_file(path, 0, NULL);
    assert_non_null(before);
    assert_non_null(after);
    assert_int_equal(json_integer_value(json_object_get(after, "v")), 1);
    json_t *names_before = json_object_get(before, "hostnames");
    json_t *names_after = json_object_get(after, "hostnames");
    assert_true(
        json_equal(json_object_get(names_before, "web1"), json_object_get(names_after, "web1")));
    assert_true(
        json_equal(json_object_get(names_before, "gone"), json_object_get(names_after, "gone")));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(names_after, "web2"), "ssh_port")),
        24001);
    json_decref(before);
    json_decref(after);
}

/* A create marks its entry with its process until settled; a repeat sees its own request. */
static void test_pending_and_settle(void **state)
{
    (void)state;
    struct ct_error err = {0};
    struct procid self;
    assert_true(procid_self(&self));
    struct reserve_claim c = {.worker = &self};
    assert_int_equal(registry_reserve(dir, "p", "u", "req-p", "t", &c, &err), CT_OK);
    struct registry_entry e;
    bool found = false;
    assert_int_equal(registry_lookup(dir, "p", &e, &found, &err), CT_OK);
    assert_int_equal(e.pending, REGISTRY_CREATING);
    assert_int_equal(e.worker.pid, self.pid);
    assert_false(registry_entry_abandoned(&e)); /* we are running */
    assert_int_equal(registry_reserve(dir, "p", "u", "req-p", "t", &c, &err),
                     CT_ERR_HOSTNAME_TAKEN);
    assert_true(c.same_request);
    assert_false(c.abandoned);
    /* the same id from another owner is another request: no waiting on (or for) it */
    assert_int_equal(registry_reserve(dir, "p", "v", "req-p", "t", &c, &err),
                     CT_ERR_HOSTNAME_TAKEN);
    assert_false(c.same_request);
    assert_int_equal(registry_settle(dir, "p", "req-other", &err), CT_ERR_INTERNAL);
    assert_int_equal(registry_settle(dir, "p", "req-p", &err), CT_OK);
    assert_int_equal(registry_lookup(dir, "p", &e, &found, &err), CT_OK);
    assert_int_equal(e.pending, REGISTRY_SETTLED);
    assert_null(registry_pending_name(e.pending));
    assert_int_equal(registry_mark_deleting(dir, "p", &self, &err), CT_OK);
    assert_int_equal(registry_lookup(dir, "p", &e, &found, &err), CT_OK);
    assert_int_equal(e.pending, REGISTRY_DELETING);
}

/* A freed name and its ports stay their last owner's for the cool-down; the owner may retake. */
static void test_cooldown(void **state)
{
    (void)state;
    struct ct_error err = {0};
    const time_t now = time(NULL);
    const struct reserve_claim base = {.ssh = {24000, 24001}, .reuse_cooldown_s = 3600};
    struct reserve_claim c = base;
    assert_int_equal(registry_reserve(dir, "web", "alice", "req-a1", "t", &c, &err), CT_OK);
    assert_int_equal(c.ssh_port, 24000);
    assert_int_equal(registry_release(dir, "web", NULL, &err), CT_OK); /* alice deletes it */

    c = base; /* bob: not the name, not its port */
    assert_int_equal(registry_reserve(dir, "web", "bob", "req-b1", "t", &c, &err),
                     CT_ERR_HOSTNAME_TAKEN);
    assert_non_null(strstr(err.detail, "freed recently"));
    c = base;
    assert_int_equal(registry_reserve(dir, "other", "bob", "req-b2", "t", &c, &err), CT_OK);
    assert_int_equal(c.ssh_port, 24001);
    assert_int_equal(registry_release(dir, "other", NULL, &err), CT_OK);

    c = base; /* alice again, at once: both hers */
    assert_int_equal(registry_reserve(dir, "web", "alice", "req-a2", "t", &c, &err), CT_OK);
    assert_int_equal(c.ssh_port, 24000);
    assert_int_equal(registry_release(dir, "web", NULL, &err), CT_OK);

    c = base; /* an hour later: anybody's */
    c.now = now + 3601;
    assert_int_equal(registry_reserve(dir, "web", "bob", "req-b3", "t", &c, &err), CT_OK);
    assert_int_equal(c.ssh_port, 24000);
    assert_int_equal(registry_release(dir, "web", "req-b3", &err), CT_OK);

    c = base; /* a cool-down of 0: off */
    c.reuse_cooldown_s = 0;
    assert_int_equal(registry_reserve(dir, "web", "carol", "req-c1", "t", &c, &err), CT_OK);
    assert_int_equal(registry_release(dir, "web", NULL, &err), CT_OK);

    /* a create that never finished held nothing: its undo leaves no cool-down */
    struct procid self;
    assert_true(procid_self(&self));
    c = base;
    c.worker = &self;
    assert_int_equal(registry_reserve(dir, "fail", "alice", "req-a3", "t", &c, &err), CT_OK);
    assert_int_equal(registry_release(dir, "fail", "req-a3", &err), CT_OK);
    c = base;
    assert_int_equal(registry_reserve(dir, "fail", "bob", "req-b4", "t", &c, &err), CT_OK);
    assert_int_equal(registry_release(dir, "fail", NULL, &err), CT_OK);

    /* without a claim (no cool-down asked) nothing is checked */
    assert_int_equal(registry_reserve(dir, "fail", "dave", "req-d1", "t", NO_PORTS, &err), CT_OK);
}

/* CTIDs: distinct, not reused while the range lasts, wrapping to a free one, a full range refused. */
static void test_ctids(void **state)
{
    (void)state;
    struct ct_error err = {0};
    const char *t = "2026-01-01T00:00:00Z";
    struct reserve_claim a = {.ctid_min = 100, .ctid_max = 102};
    struct reserve_claim b = a, c = a, d = a, e = a;
    assert_int_equal(registry_reserve(dir, "a", "alice", "req-0000a", t, &a, &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "b", "alice", "req-0000b", t, &b, &err), CT_OK);
    assert_int_equal(a.ctid, 100);
    assert_int_equal(b.ctid, 101);
    assert_int_equal(registry_release(dir, "a", NULL, &err), CT_OK);
    /* 100 is free again, but the next number is 102: freed ones wait for the wrap. */
    assert_int_equal(registry_reserve(dir, "c", "alice", "req-0000c", t, &c, &err), CT_OK);
    assert_int_equal(c.ctid, 102);
    assert_int_equal(registry_reserve(dir, "d", "alice", "req-0000d", t, &d, &err), CT_OK);
    assert_int_equal(d.ctid, 100);
    assert_int_equal(registry_reserve(dir, "e", "alice", "req-0000e", t, &e, &err),
                     CT_ERR_NOT_ALLOWED);
    assert_non_null(strstr(err.detail, "no free CTID in 100-102"));
    struct registry_entry entry;
    bool found = false;
    assert_int_equal(registry_lookup(dir, "c", &entry, &found, &err), CT_OK);
    assert_true(found);
    assert_int_equal(entry.ctid, 102);
    /* The backend gave c another number: only its holder may record it, and not a taken one. */
    assert_int_equal(registry_set_ctid(dir, "c", "req-0000c", 101, &err), CT_ERR_INTERNAL);
    assert_int_equal(registry_set_ctid(dir, "c", "req-other", 150, &err), CT_ERR_INTERNAL);
    assert_int_equal(registry_set_ctid(dir, "c", "req-0000c", 150, &err), CT_OK);
    assert_int_equal(registry_lookup(dir, "c", &entry, &found, &err), CT_OK);
    assert_int_equal(entry.ctid, 150);
    /* Without a range: no CTID. */
    assert_int_equal(registry_reserve(dir, "f", "alice", "req-0000f", t, &(struct reserve_claim){0},
                                      &err),
                     CT_OK);
    assert_int_equal(registry_lookup(dir, "f", &entry, &found, &err), CT_OK);
    assert_int_equal(entry.ctid, 0);
}

/*
 * Static addresses: distinct, rotating like CTIDs, never one another entry
 * publishes (a DHCP lease), a full range refused; an entry publishes its own
 * address only, and nobody publishes another's.
 */
static void test_addresses(void **state)
{
    (void)state;
    struct ct_error err = {0};
    const char *t = "2026-01-01T00:00:00Z";
    const uint32_t first = (10u << 24) | (9u << 16) | (8u << 8) | 10u; /* 10.9.8.10 */
    struct reserve_claim a = {.addr_min = first, .addr_max = first + 2};
    struct reserve_claim b = a, c = a, d = a, e = a;
    /* A container on DHCP holds 10.9.8.11: the range skips it. */
    assert_int_equal(registry_reserve(dir, "dhcp", "bob", "req-00dhcp", t, &(struct reserve_claim){0},
                                      &err),
                     CT_OK);
    assert_int_equal(registry_set_address(dir, "dhcp", "req-00dhcp", "10.9.8.11", 80, &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "a", "alice", "req-0000a", t, &a, &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "b", "alice", "req-0000b", t, &b, &err), CT_OK);
    assert_string_equal(a.address, "10.9.8.10");
    assert_string_equal(b.address, "10.9.8.12");
    assert_int_equal(registry_reserve(dir, "c", "alice", "req-0000c", t, &c, &err),
                     CT_ERR_NOT_ALLOWED);
    assert_non_null(strstr(err.detail, "no free address in 10.9.8.10-10.9.8.12"));
    assert_int_equal(registry_release(dir, "dhcp", NULL, &err), CT_OK);
    assert_int_equal(registry_release(dir, "a", NULL, &err), CT_OK);
    /* Both 10 and 11 are free; the next after the last given (12) wraps to 10. */
    assert_int_equal(registry_reserve(dir, "d", "alice", "req-0000d", t, &d, &err), CT_OK);
    assert_string_equal(d.address, "10.9.8.10");
    assert_int_equal(registry_reserve(dir, "e", "alice", "req-0000e", t, &e, &err), CT_OK);
    assert_string_equal(e.address, "10.9.8.11");
    struct registry_entry entry;
    bool found = false;
    assert_int_equal(registry_lookup(dir, "e", &entry, &found, &err), CT_OK);
    assert_string_equal(entry.address, "10.9.8.11");
    /* e publishes its own address only; another entry never publishes e's. */
    assert_int_equal(registry_set_address(dir, "e", "req-0000e", "10.9.8.12", 80, &err),
                     CT_ERR_NOT_ALLOWED);
    assert_non_null(strstr(err.detail, "not the one it was given (10.9.8.11)"));
    assert_int_equal(registry_reserve(dir, "f", "bob", "req-0000f", t, &(struct reserve_claim){0},
                                      &err),
                     CT_OK);
    assert_int_equal(registry_set_address(dir, "f", "req-0000f", "10.9.8.11", 80, &err),
                     CT_ERR_NOT_ALLOWED);
    assert_int_equal(registry_set_address(dir, "e", "req-0000e", "10.9.8.11", 80, &err), CT_OK);
    /* Without a range: no address. */
    assert_int_equal(registry_lookup(dir, "f", &entry, &found, &err), CT_OK);
    assert_string_equal(entry.address, "");
}

/*
 * A warm pool: pooled entries belong to no one; a claim takes a settled one
 * of its template with its CTID and address in the reserve itself, never a
 * pending one (still being made) and never one of another template.
 */
static void test_pool(void **state)
{
    (void)state;
    struct ct_error err = {0};
    const char *t = "2026-01-01T00:00:00Z";
    const uint32_t first = (10u << 24) | (9u << 16) | (8u << 8) | 10u; /* 10.9.8.10 */
    struct procid self;
    assert_true(procid_self(&self));
    struct reserve_claim p1 = {.ctid_min = 100, .ctid_max = 199, .addr_min = first,
                               .addr_max = first + 9, .pool_of = "busybox"};
    struct reserve_claim p2 = p1;
    struct reserve_claim p3 = p1;
    p2.worker = &self; /* still being made: pending */
    p3.pool_of = "debian";
    assert_int_equal(registry_reserve(dir, "ctgate-pool-1", "", "req-pool1", t, &p1, &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "ctgate-pool-2", "", "req-pool2", t, &p2, &err), CT_OK);
    assert_int_equal(registry_reserve(dir, "ctgate-pool-3", "", "req-pool3", t, &p3, &err), CT_OK);
    int n = 0;
    assert_int_equal(registry_pool_count(dir, "busybox", &n, &err), CT_OK);
    assert_int_equal(n, 2);
    /* A pooled entry counts for nobody's quota. */
    struct reserve_claim a = {.ctid_min = 100, .ctid_max = 199, .addr_min = first,
                              .addr_max = first + 9, .quota_containers = 1, .claim_from = "busybox",
                              .ssh = {24000, 24009}};
    assert_int_equal(registry_reserve(dir, "a", "alice", "req-0000a", t, &a, &err), CT_OK);
    assert_string_equal(a.instance, "ctgate-pool-1");
    assert_int_equal(a.ctid, p1.ctid);
    assert_string_equal(a.address, p1.address);
    assert_int_equal(a.ssh_port, 24000);
    struct registry_entry e;
    bool found = false;
    assert_int_equal(registry_lookup(dir, "a", &e, &found, &err), CT_OK);
    assert_true(found);
    assert_string_equal(e.instance, "ctgate-pool-1");
    assert_string_equal(e.pool, "");
    assert_int_equal(e.ctid, p1.ctid);
    assert_string_equal(e.address, p1.address);
    assert_int_equal(registry_lookup(dir, "ctgate-pool-1", &e, &found, &err), CT_OK);
    assert_false(found);
    /* Only the pending one is left: nothing to claim, the create makes its own. */
    struct reserve_claim b = {.ctid_min = 100, .ctid_max = 199, .claim_from = "busybox"};
    assert_int_equal(registry_reserve(dir, "b", "bob", "req-0000b", t, &b, &err), CT_OK);
    assert_string_equal(b.instance, "");
    assert_true(b.ctid != p1.ctid && b.ctid != p2.ctid && b.ctid != p3.ctid);
    /* Withdrawn for deletion: only while settled and pooled. */
    assert_int_equal(registry_pool_withdraw(dir, "ctgate-pool-2", &self, &err), CT_ERR_NOT_FOUND);
    assert_int_equal(registry_pool_withdraw(dir, "a", &self, &err), CT_ERR_NOT_FOUND);
    assert_int_equal(registry_pool_withdraw(dir, "ctgate-pool-3", &self, &err), CT_OK);
    struct reserve_claim c = {.claim_from = "debian"};
    assert_int_equal(registry_reserve(dir, "c", "carol", "req-0000c", t, &c, &err), CT_OK);
    assert_string_equal(c.instance, "");
    assert_int_equal(registry_pool_count(dir, "debian", &n, &err), CT_OK);
    assert_int_equal(n, 1);
}

/* Values that do not fit read as empty; a name that could never be reserved is left out. */
static void test_parse_odd_values(void **state)
{
    (void)state;
    struct ct_error err = {0};
    struct registry_snapshot snap;
    static const char text[] =
        "{\"v\":1,\"hostnames\":{"
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":{},"
        "\"x\":{\"owner\":42,\"ssh_port\":99999999999,\"ipv4\":\"1.2.3.4\","
        "\"protocols\":{\"p\":{\"port\":1,\"external\":2}},\"pending\":null}}}";
    assert_int_equal(registry_snapshot_parse(text, strlen(text), &snap, &err), CT_OK);
    assert_int_equal(snap.n, 1);
    assert_string_equal(snap.entries[0].hostname, "x");
    assert_string_equal(snap.entries[0].owner, "");
    assert_int_equal(snap.entries[0].ssh_port, -1);
    assert_int_equal(snap.entries[0].nprotocols, 0); /* no transport */
    assert_int_equal(snap.entries[0].pending, REGISTRY_PENDING_OTHER);
    assert_true(registry_entry_abandoned(&snap.entries[0]));
    registry_snapshot_free(&snap);
    assert_int_equal(registry_snapshot_parse("{\"v\":1}", 7, &snap, &err), CT_ERR_INTERNAL);
    assert_int_equal(snap.n, 0);
    registry_snapshot_free(&snap);
}

static void test_quota(void **state)
{
    (void)state;
    struct ct_error err = {0};
    struct reserve_claim q = {
        .memory_bytes = 512LL << 20, .quota_containers = 2, .quota_memory_bytes = 1LL << 30};
    assert_int_equal(registry_reserve(dir, "q1", "ann", "req-000q1", "t", &q, &err), CT_OK);
    /* another owner's entries do not count */
    struct reserve_claim other = {.memory_bytes = 4LL << 30};
    assert_int_equal(registry_reserve(dir, "o1", "ben", "req-000o1", "t", &other, &err), CT_OK);
    q.memory_bytes = 768LL << 20; /* 512 + 768 > 1024 MiB */
    assert_int_equal(registry_reserve(dir, "q2", "ann", "req-000q2", "t", &q, &err), CT_ERR_QUOTA);
    assert_non_null(strstr(err.detail, "memory: 512MiB held + 768MiB asked > 1GiB allowed"));
    q.memory_bytes = 537000000; /* 512.1MiB: a byte past the quota is past it */
    assert_int_equal(registry_reserve(dir, "q2", "ann", "req-000q2", "t", &q, &err), CT_ERR_QUOTA);
    assert_non_null(strstr(err.detail, "512MiB held + 537MB asked > 1GiB allowed"));
    q.memory_bytes = 512LL << 20;
    assert_int_equal(registry_reserve(dir, "q2", "ann", "req-000q2", "t", &q, &err), CT_OK);
    q.memory_bytes = 0;
    q.quota_memory_bytes = 0;
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
        cmocka_unit_test_setup_teardown(test_existing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_and_settle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cooldown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ctids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool, setup, teardown),
        cmocka_unit_test(test_parse_odd_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
