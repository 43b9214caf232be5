/* Unit tests: hypervisor-agent/publish/addr-policy.c (which address a container is published at). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "addr-policy.h"

#define NAME "web"
#define HWADDR "00:16:3e:aa:bb:01"

static struct addr_subnet rig_subnet(void)
{
    struct addr_subnet net;
    assert_true(addr_subnet_parse("10.213.77.1/24", &net));
    return net;
}

static void test_subnet_parse(void **state)
{
    (void)state;
    struct addr_subnet net;
    assert_true(addr_subnet_parse("10.213.77.1/24", &net));
    assert_int_equal(net.prefix, 24);
    assert_int_equal(net.gateway, 0x0ad54d01u);
    assert_int_equal(net.network, 0x0ad54d00u);
    assert_int_equal(net.mask, 0xffffff00u);
    static const char *const bad[] = {"",           "10.213.77.1",  "10.213.77.1/",
                                      "10.213.77.1/33", "10.213.77.1/7", "10.213.77.1/31",
                                      "10.213.77/24",   "10.213.77.1/24x", "x/24",
                                      "10.213.77.1/024", "fd42::1/64",   "10.213.77.1/-1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(addr_subnet_parse(bad[i], &net));
    }
    assert_false(addr_subnet_parse(NULL, &net));
}

static void test_check_classes(void **state)
{
    (void)state;
    struct addr_subnet net = rig_subnet();
    static const struct {
        const char *ip;
        enum addr_verdict want;
    } cases[] = {
        {"10.213.77.23", ADDR_OK},
        {"10.213.77.254", ADDR_OK},
        {"10.213.77.1", ADDR_GATEWAY},      /* the bridge: the hypervisor itself */
        {"169.254.169.254", ADDR_LINK_LOCAL}, /* a cloud's metadata service */
        {"127.0.0.1", ADDR_LOOPBACK},
        {"127.1.2.3", ADDR_LOOPBACK},
        {"224.0.0.1", ADDR_MULTICAST},
        {"239.255.255.250", ADDR_MULTICAST},
        {"10.213.77.0", ADDR_NETWORK},
        {"10.213.77.255", ADDR_BROADCAST},
        {"255.255.255.255", ADDR_SPECIAL},
        {"0.0.0.0", ADDR_SPECIAL},
        {"240.0.0.1", ADDR_SPECIAL},
        {"10.213.78.5", ADDR_OUTSIDE},
        {"192.168.1.10", ADDR_OUTSIDE}, /* the management LAN */
        {"", ADDR_INVALID},
        {"10.213.77.23; include /etc/passwd", ADDR_INVALID},
        {"10.213.77.023", ADDR_INVALID},
        {"fd42::5", ADDR_INVALID},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(addr_policy_check(&net, cases[i].ip), cases[i].want);
    }
    assert_int_equal(addr_policy_check(&net, NULL), ADDR_INVALID);
    for (int v = ADDR_OK; v <= ADDR_TAKEN; v++) {
        assert_non_null(addr_policy_reason((enum addr_verdict)v));
    }
}

/* The rig's leases: the bridge, this instance, another instance, a DHCP client that named itself. */
static const struct addr_lease leases[] = {
    {"ctgrig0.gw", "", "10.213.77.1", "gateway"},
    {NAME, HWADDR, "10.213.77.23", "dynamic"},
    {"other", "00:16:3e:aa:bb:02", "10.213.77.24", "dynamic"},
    {NAME, "00:16:3e:ff:ff:ff", "10.213.77.25", "dynamic"}, /* our name, another MAC */
    {NAME, HWADDR, "10.213.77.1", "gateway"},                /* a gateway row is no lease */
};

static enum addr_verdict pick(const struct addr_lease *l, size_t n, const char *const *held,
                              size_t nheld, char *out)
{
    struct addr_subnet net = rig_subnet();
    struct addr_claim claim = {NAME, HWADDR, held, nheld};
    return addr_policy_pick(&net, l, n, &claim, out, 48);
}

#define NLEASES (sizeof(leases) / sizeof(leases[0]))

static void test_pick_valid(void **state)
{
    (void)state;
    char out[48];
    const char *held[] = {"10.213.77.23"};
    assert_int_equal(pick(leases, NLEASES, held, 1, out), ADDR_OK);
    assert_string_equal(out, "10.213.77.23");
    /* MAC addresses compare case-insensitively (LXD writes lower case, dnsmasq may not). */
    const struct addr_lease upper[] = {{NAME, "00:16:3E:AA:BB:01", "10.213.77.23", "static"}};
    assert_int_equal(pick(upper, 1, held, 1, out), ADDR_OK);
}

static void test_pick_refusals(void **state)
{
    (void)state;
    char out[48];
    /* Nothing held yet: wait. */
    assert_int_equal(pick(leases, NLEASES, NULL, 0, out), ADDR_NOT_YET);
    assert_string_equal(out, "");
    /* A static address set inside instead of DHCP: the bridge's, the metadata service's, ... */
    static const char *const not_leased[] = {"10.213.77.1",  "169.254.169.254", "127.0.0.1",
                                             "224.0.0.1",    "10.213.77.0",     "10.213.77.255",
                                             "192.168.1.10", "10.213.77.99"};
    for (size_t i = 0; i < sizeof(not_leased) / sizeof(not_leased[0]); i++) {
        const char *held[] = {not_leased[i]};
        assert_int_equal(pick(leases, NLEASES, held, 1, out), ADDR_NOT_LEASED);
        assert_string_equal(out, not_leased[i]);
    }
    /* Another running instance's address: leased, but to another name and MAC. */
    const char *other[] = {"10.213.77.24"};
    assert_int_equal(pick(leases, NLEASES, other, 1, out), ADDR_NOT_LEASED);
    /* Our name with another MAC (a DHCP client may say any hostname). */
    const char *wrong_mac[] = {"10.213.77.25"};
    assert_int_equal(pick(leases, NLEASES, wrong_mac, 1, out), ADDR_NOT_LEASED);
    /* Its lease plus a second address on the interface. */
    const char *second[] = {"10.213.77.23", "10.213.77.1"};
    assert_int_equal(pick(leases, NLEASES, second, 2, out), ADDR_NOT_LEASED);
    assert_string_equal(out, "10.213.77.1");
    /* Two leases of its own, both held: one address only. */
    const struct addr_lease two[] = {{NAME, HWADDR, "10.213.77.23", "dynamic"},
                                     {NAME, HWADDR, "10.213.77.30", "dynamic"}};
    const char *both[] = {"10.213.77.23", "10.213.77.30"};
    assert_int_equal(pick(two, 2, both, 2, out), ADDR_SEVERAL);
    /* A lease of its own that the policy refuses (LXD's DHCP misconfigured into the gateway). */
    const struct addr_lease gw[] = {{NAME, HWADDR, "10.213.77.1", "dynamic"}};
    const char *gw_held[] = {"10.213.77.1"};
    assert_int_equal(pick(gw, 1, gw_held, 1, out), ADDR_GATEWAY);
    const struct addr_lease outside[] = {{NAME, HWADDR, "10.9.9.9", "static"}};
    const char *outside_held[] = {"10.9.9.9"};
    assert_int_equal(pick(outside, 1, outside_held, 1, out), ADDR_OUTSIDE);
    /* Its lease, also leased to another instance. */
    const struct addr_lease dup[] = {{NAME, HWADDR, "10.213.77.23", "dynamic"},
                                     {"other", "00:16:3e:aa:bb:02", "10.213.77.23", "static"}};
    const char *mine[] = {"10.213.77.23"};
    assert_int_equal(pick(dup, 2, mine, 1, out), ADDR_TAKEN);
    /* A lease without a MAC, or an instance whose MAC is not known yet, never matches. */
    const struct addr_lease nomac[] = {{NAME, NULL, "10.213.77.23", "dynamic"}};
    assert_int_equal(pick(nomac, 1, mine, 1, out), ADDR_NOT_LEASED);
    struct addr_subnet net = rig_subnet();
    struct addr_claim unknown = {NAME, "", mine, 1};
    assert_int_equal(addr_policy_pick(&net, leases, NLEASES, &unknown, out, sizeof(out)),
                     ADDR_NOT_LEASED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subnet_parse),
        cmocka_unit_test(test_check_classes),
        cmocka_unit_test(test_pick_valid),
        cmocka_unit_test(test_pick_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
