/* Unit tests: hypervisor-agent/ops/policy.c - sizes, ceilings, quotas, expiry, requests.keep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-config.h"
#include "policy.h"

#define SIZES                                                                                     \
    "sizes = ( { name = \"small\"; cpu = 1; memory = \"256MiB\"; disk = \"1GiB\"; },\n"          \
    "          { name = \"large\"; cpu = 4; memory = \"4GiB\"; disk = \"20GiB\"; } );\n"
#define TEMPLATE                                                                                  \
    "templates = ( { name = \"t\"; image = \"i\"; size = \"small\"; sizes = [ \"small\" ];\n"     \
    "                max = { cpu = 2; memory = \"1GiB\"; disk = \"8GiB\"; };\n"                   \
    "                runtimes = [ \"nodejs@20\", \"python\" ]; },\n"                              \
    "              { name = \"open\"; image = \"i\"; } );\n"

static enum ct_err load(const char *text, struct agent_config *cfg, struct ct_error *err)
{
    char path[] = "/tmp/ctgate-policy-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    enum ct_err rc = agent_config_load(path, cfg, err);
    unlink(path);
    return rc;
}

static void expect_config_error(const char *text, const char *detail)
{
    struct agent_config cfg;
    struct ct_error err = {0};
    assert_int_equal(load(text, &cfg, &err), CT_ERR_CONFIG);
    if (strstr(err.detail, detail) == NULL) {
        fail_msg("'%s' does not say '%s'", err.detail, detail);
    }
}

static void test_sizes(void **state)
{
    (void)state;
    struct agent_config cfg;
    struct ct_error err = {0};
    assert_int_equal(load(SIZES TEMPLATE, &cfg, &err), CT_OK);
    const struct template_def *t = agent_config_template(&cfg, "t");
    const struct template_def *open = agent_config_template(&cfg, "open");
    assert_int_equal(t->nruntimes, 2);
    struct size_spec none = {0};
    struct size_spec out;
    /* the template's default size */
    assert_int_equal(policy_resolve_size(&cfg.policy, t, "", &none, &out, &err), CT_OK);
    assert_int_equal(out.cpu, 1);
    assert_int_equal(out.memory_bytes, 256LL << 20);
    assert_int_equal(out.disk_bytes, 1LL << 30);
    /* explicit values replace the size's, within the ceiling */
    struct size_spec asked = {2, 500000000, 0}; /* 500MB */
    assert_int_equal(policy_resolve_size(&cfg.policy, t, NULL, &asked, &out, &err), CT_OK);
    assert_int_equal(out.cpu, 2);
    assert_int_equal(out.memory_bytes, 500000000);
    assert_int_equal(out.disk_bytes, 1LL << 30);
    asked.memory_bytes = 2LL << 30;
    assert_int_equal(policy_resolve_size(&cfg.policy, t, NULL, &asked, &out, &err),
                     CT_ERR_BAD_VALUE);
    assert_non_null(strstr(err.detail, "memory 2GiB is more than template t allows (1GiB)"));
    /* a size the template does not offer, and one that does not exist */
    assert_int_equal(policy_resolve_size(&cfg.policy, t, "large", &none, &out, &err),
                     CT_ERR_BAD_VALUE);
    assert_non_null(strstr(err.detail, "not offered"));
    assert_int_equal(policy_resolve_size(&cfg.policy, open, "huge", &none, &out, &err),
                     CT_ERR_BAD_VALUE);
    /* no sizes listed: every size offered, no ceiling, no default limits */
    assert_int_equal(policy_resolve_size(&cfg.policy, open, "large", &none, &out, &err), CT_OK);
    assert_int_equal(out.cpu, 4);
    assert_int_equal(policy_resolve_size(&cfg.policy, open, "", &none, &out, &err), CT_OK);
    assert_int_equal(out.cpu, 0);
    assert_int_equal(out.memory_bytes, 0);
    agent_config_free(&cfg);
}

static void test_quota_and_expiry(void **state)
{
    (void)state;
    struct agent_config cfg;
    struct ct_error err = {0};
    assert_int_equal(load(SIZES TEMPLATE "quota = { containers = 2; memory = \"1GiB\"; "
                                         "creates_per_hour = 12; };\n"
                                         "quota_overrides = ( { user = \"bob\"; containers = 9; } );\n"
                                         "expiry = { default = \"7d\"; max = \"30d\"; grace = "
                                         "\"1d\"; };\n",
                          &cfg, &err),
                     CT_OK);
    struct quota q = policy_quota(&cfg.policy, "alice", false);
    assert_int_equal(q.containers, 2);
    assert_int_equal(q.memory_bytes, 1LL << 30);
    assert_int_equal(q.creates_per_hour, 12);
    q = policy_quota(&cfg.policy, "bob", false);
    assert_int_equal(q.containers, 9);
    assert_int_equal(q.memory_bytes, 0);
    assert_int_equal(q.creates_per_hour, 0); /* an override replaces the whole quota */
    q = policy_quota(&cfg.policy, "alice", true);
    assert_int_equal(q.containers, 0);
    assert_int_equal(q.creates_per_hour, 0);
    long long s = -1;
    assert_int_equal(policy_resolve_expiry(&cfg.policy, false, 0, &s, &err), CT_OK);
    assert_int_equal(s, 7 * 86400);
    assert_int_equal(policy_resolve_expiry(&cfg.policy, true, 3600, &s, &err), CT_OK);
    assert_int_equal(s, 3600);
    assert_int_equal(policy_resolve_expiry(&cfg.policy, true, 31 * 86400, &s, &err),
                     CT_ERR_BAD_VALUE);
    assert_non_null(strstr(err.detail, "at most 30d"));
    assert_int_equal(policy_resolve_expiry(&cfg.policy, true, 0, &s, &err), CT_ERR_BAD_VALUE);
    assert_int_equal(cfg.policy.expiry_grace_s, 86400);
    assert_int_equal(cfg.policy.requests_keep_s, 30 * 86400); /* not set: the default */
    agent_config_free(&cfg);
    assert_int_equal(load(SIZES TEMPLATE "requests = { keep = \"2w\"; };", &cfg, &err), CT_OK);
    assert_int_equal(cfg.policy.requests_keep_s, 14 * 86400);
    agent_config_free(&cfg);
    assert_int_equal(load(SIZES TEMPLATE "requests = { keep = \"never\"; };", &cfg, &err), CT_OK);
    assert_int_equal(cfg.policy.requests_keep_s, 0);
    agent_config_free(&cfg);
}

static void test_config_errors(void **state)
{
    (void)state;
    expect_config_error("sizes = ( { name = \"s\"; cpu = 0; } );" TEMPLATE, "cpu must be");
    expect_config_error("sizes = ( { name = \"s\"; memory = \"lots\"; } );" TEMPLATE, "a size like");
    expect_config_error("sizes = ( { name = \"a\"; }, { name = \"a\"; } );" TEMPLATE,
                        "duplicate name 'a'");
    expect_config_error("templates = ( { name = \"t\"; image = \"i\"; size = \"small\"; } );",
                        "default size 'small'");
    expect_config_error(SIZES "templates = ( { name = \"t\"; image = \"i\"; sizes = [\"x\"]; } );",
                        "size 'x' is not in 'sizes'");
    expect_config_error(SIZES "templates = ( { name = \"t\"; image = \"i\"; size = \"large\";\n"
                              "  max = { cpu = 2; }; } );",
                        "exceeds its max");
    expect_config_error(SIZES "templates = ( { name = \"t\"; image = \"i\"; runtimes = "
                              "[\"ruby\"]; } );",
                        "invalid runtimes entry");
    expect_config_error(SIZES TEMPLATE "expiry = { max = \"1d\"; };", "expiry.default");
    expect_config_error(SIZES TEMPLATE "expiry = { default = \"soon\"; };", "a duration");
    expect_config_error(SIZES TEMPLATE "requests = { keep = \"forever\"; };", "'keep' must be");
    expect_config_error(SIZES TEMPLATE "quota = { creates_per_hour = -1; };",
                        "creates_per_hour must be 0..10000");
    expect_config_error(SIZES TEMPLATE "quota_overrides = ( { user = \"Bad User\"; } );",
                        "invalid user");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_quota_and_expiry),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
