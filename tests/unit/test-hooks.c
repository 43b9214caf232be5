/*
 * Unit tests: hypervisor-agent/ops/hooks.c - `hooks.after_create` in agent.conf (what loads,
 * what is refused and how the error names file and line), and hooks_run against a fake
 * backend (environment, timeout, what each policy makes of a failure).
 */
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
#include "backend.h"
#include "hooks.h"
#include "strcopy.h"

#define TEMPLATES                                                                                  \
    "templates = ({ name = \"busybox\"; image = \"i\"; },\n"                                       \
    "             { name = \"debian\"; image = \"j\"; });\n"

static char last_path[64];

/* Load text from a temporary file into cfg; on success the caller frees it. */
static enum ct_err load_config(const char *text, struct agent_config *cfg, struct ct_error *err)
{
    char path[] = "/tmp/ctgate-hooks-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    str_copy(last_path, sizeof(last_path), path);
    enum ct_err rc = agent_config_load(path, cfg, err);
    unlink(path);
    return rc;
}

static void test_no_hooks(void **state)
{
    (void)state;
    struct agent_config cfg;
    struct ct_error err = {0};
    assert_int_equal(load_config(TEMPLATES, &cfg, &err), CT_OK);
    assert_int_equal(cfg.hooks.nafter_create, 0);
    agent_config_free(&cfg);
    assert_int_equal(load_config(TEMPLATES "hooks = { after_create = (); };", &cfg, &err), CT_OK);
    assert_int_equal(cfg.hooks.nafter_create, 0);
    agent_config_free(&cfg);
}

static void test_hooks_load(void **state)
{
    (void)state;
    struct agent_config cfg;
    struct ct_error err = {0};
    assert_int_equal(
        load_config(TEMPLATES
                    "hooks = { after_create = (\n"
                    "  { name = \"enrol\"; argv = [\"/usr/bin/enrol\", \"--now\"];\n"
                    "    timeout = \"30s\"; policy = \"warn\"; templates = [\"debian\"]; },\n"
                    "  { name = \"audit.d\"; argv = [\"/bin/true\"]; }\n"
                    "); };\n",
                    &cfg, &err),
        CT_OK);
    assert_int_equal(cfg.hooks.nafter_create, 2);
    const struct hook_def *a = &cfg.hooks.after_create[0];
    const struct hook_def *b = &cfg.hooks.after_create[1];
    assert_string_equal(a->name, "enrol");
    assert_string_equal(a->step, "hook:enrol");
    assert_string_equal(a->argv[0], "/usr/bin/enrol");
    assert_string_equal(a->argv[1], "--now");
    assert_null(a->argv[2]);
    assert_int_equal(a->timeout_s, 30);
    assert_int_equal(a->policy, HOOK_POLICY_WARN);
    assert_true(hooks_applies(a, "debian"));
    assert_false(hooks_applies(a, "busybox"));
    /* Defaults: one minute, policy fail, every template. */
    assert_string_equal(b->step, "hook:audit.d");
    assert_int_equal(b->timeout_s, HOOK_TIMEOUT_DEFAULT);
    assert_int_equal(b->policy, HOOK_POLICY_FAIL);
    assert_null(b->templates);
    assert_true(hooks_applies(b, "busybox"));
    assert_true(hooks_applies(b, "debian"));
    agent_config_free(&cfg);
    assert_int_equal(cfg.hooks.nafter_create, 0);
}

/* One hook's text (or the whole `hooks` setting), and what the error must say. */
static const struct {
    const char *hooks;
    const char *says;
} bad[] = {
    {"{ argv = [\"/bin/true\"]; }", "name must be a short identifier"},
    {"{ name = \"Enrol\"; argv = [\"/bin/true\"]; }", "name must be"},
    {"{ name = \"a23456789012345678901234x\"; argv = [\"/bin/true\"]; }", "name must be"},
    {"{ name = \"a\"; }", "argv must be a non-empty array of strings"},
    {"{ name = \"a\"; argv = []; }", "argv must be a non-empty array"},
    {"{ name = \"a\"; argv = \"/bin/true\"; }", "argv must be a non-empty array"},
    {"{ name = \"a\"; argv = [\"true\"]; }", "argv[0] must be an absolute path"},
    {"{ name = \"a\"; argv = [\"/bin/echo\", \"\\x01\"]; }", "control characters"},
    {"{ name = \"a\"; argv = [\"/bin/true\"]; timeout = \"0s\"; }", "timeout must be a duration"},
    {"{ name = \"a\"; argv = [\"/bin/true\"]; timeout = \"2h\"; }", "timeout must be a duration"},
    {"{ name = \"a\"; argv = [\"/bin/true\"]; timeout = \"30\"; }", "timeout must be a duration"},
    {"{ name = \"a\"; argv = [\"/bin/true\"]; timeout = 30; }", "timeout must be a duration"},
    {"{ name = \"a\"; argv = [\"/bin/true\"]; policy = \"maybe\"; }",
     "policy must be \"fail\" or \"warn\""},
    {"{ name = \"a\"; argv = [\"/bin/true\"]; policy = 1; }", "policy must be"},
    {"{ name = \"a\"; argv = [\"/bin/true\"]; templates = [\"nope\"]; }",
     "templates names 'nope', which is not a template"},
    {"{ name = \"a\"; argv = [\"/bin/true\"]; templates = []; }",
     "leave it out for every template"},
    {"{ name = \"a\"; argv = [\"/bin/true\"]; template = [\"debian\"]; }",
     "unknown setting 'template'"},
    {"{ name = \"a\"; argv = [\"/bin/true\"]; }, { name = \"a\"; argv = [\"/bin/true\"]; }",
     "hooks.after_create[1]: duplicate name"},
};

static void test_bad_hooks(void **state)
{
    (void)state;
    char text[2048];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct agent_config cfg;
        struct ct_error err = {0};
        snprintf(text, sizeof(text), TEMPLATES "hooks = { after_create = (\n  %s\n); };\n",
                 bad[i].hooks);
        enum ct_err rc = load_config(text, &cfg, &err);
        if (rc != CT_ERR_CONFIG || strstr(err.detail, bad[i].says) == NULL) {
            fail_msg("case %zu (%s): got %d '%s', wanted '%s'", i, bad[i].hooks, rc, err.detail,
                     bad[i].says);
        }
        /* The error names the file and the hook's line (the templates take lines 1-2). */
        char where[96];
        snprintf(where, sizeof(where), "%s:4: hooks.after_create[", last_path);
        if (strstr(err.detail, where) == NULL) {
            fail_msg("case %zu: '%s' does not name %s", i, err.detail, where);
        }
    }
}

static void test_bad_hook_lists(void **state)
{
    (void)state;
    struct agent_config cfg;
    struct ct_error err = {0};
    char text[4096];
    assert_int_equal(load_config(TEMPLATES "hooks = 3;", &cfg, &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "hooks must be a group holding only after_create"));
    assert_int_equal(load_config(TEMPLATES "hooks = { before_create = (); };", &cfg, &err),
                     CT_ERR_CONFIG);
    assert_int_equal(
        load_config(TEMPLATES "hooks = { after_create = [\"/bin/true\"]; };", &cfg, &err),
        CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "hooks.after_create must be a list"));
    assert_int_equal(
        load_config(TEMPLATES "hooks = { after_create = (\"/bin/true\"); };", &cfg, &err),
        CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "hooks.after_create[0]: must be a group"));

    /* At most HOOKS_MAX hooks, and at most HOOK_ARGV_MAX words in one argv. */
    size_t n = (size_t)snprintf(text, sizeof(text), TEMPLATES "hooks = { after_create = (");
    for (int i = 0; i <= HOOKS_MAX; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n,
                              "%s{ name = \"h%d\"; argv = [\"/bin/true\"]; }", i ? "," : "", i);
    }
    snprintf(text + n, sizeof(text) - n, "); };");
    assert_int_equal(load_config(text, &cfg, &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "of at most 8 hooks"));
    n = (size_t)snprintf(text, sizeof(text),
                         TEMPLATES "hooks = { after_create = ({ name = \"a\"; argv = [\"/x\"");
    for (int i = 0; i < HOOK_ARGV_MAX; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n, ", \"w\"");
    }
    snprintf(text + n, sizeof(text) - n, "]; }); };");
    assert_int_equal(load_config(text, &cfg, &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "argv must be a non-empty array of strings (at most 32)"));
}

/* --- hooks_run against a fake backend ------------------------------------------------- */

struct fake {
    int exit_status;
    const char *stderr_line;
    enum ct_err rc;  /* what exec returns */
    bool time_out;   /* pretend the command ran past its timeout */
    char env[4][96]; /* what exec was given */
    char argv0[64];
    char container[64];
    int timeout_s;
};

static enum ct_err fake_exec(void *h, const char *name, struct backend_exec *ex,
                             struct ct_error *err)
{
    struct fake *f = h;
    str_copy(f->container, sizeof(f->container), name);
    str_copy(f->argv0, sizeof(f->argv0), ex->argv[0]);
    for (size_t i = 0; i < 4; i++) {
        assert_non_null(ex->env[i]);
        str_copy(f->env[i], sizeof(f->env[i]), ex->env[i]);
    }
    assert_null(ex->env[4]);
    f->timeout_s = ex->timeout_s;
    ex->exit_status = f->exit_status;
    str_copy(ex->stderr_excerpt, sizeof(ex->stderr_excerpt),
             f->stderr_line != NULL ? f->stderr_line : "");
    if (f->time_out) {
        ex->timed_out = true;
        ex->still_running = true;
        return ct_error_set(err, CT_ERR_TIMEOUT, "timed out after %ds", ex->timeout_s);
    }
    return f->rc == CT_OK ? CT_OK : ct_error_set(err, f->rc, "LXD is gone");
}

static const struct backend_ops fake_backend = {.name = "fake", .exec = fake_exec};

static char *hook_argv[] = {"/usr/bin/enrol", "--now", NULL};

static const struct hook_target target = {"web1", "alice", "10.213.77.23",
                                          "0123456789abcdef0123456789abcdef"};

static enum ct_err run(struct fake *f, enum hook_policy policy, char *warning, size_t len,
                       struct ct_error *err)
{
    struct hook_def hook = {
        .name = "enrol", .step = "hook:enrol", .argv = hook_argv, .timeout_s = 2, .policy = policy};
    return hooks_run(&hook, &fake_backend, f, &target, warning, len, err);
}

static void test_run_ok(void **state)
{
    (void)state;
    struct fake f = {0};
    struct ct_error err = {0};
    char warning[HOOK_WARNING_MAX] = "stale";
    assert_int_equal(run(&f, HOOK_POLICY_FAIL, warning, sizeof(warning), &err), CT_OK);
    assert_string_equal(warning, "");
    assert_string_equal(f.container, "web1");
    assert_string_equal(f.argv0, "/usr/bin/enrol");
    assert_int_equal(f.timeout_s, 2);
    assert_string_equal(f.env[0], "CT_NAME=web1");
    assert_string_equal(f.env[1], "CT_OWNER=alice");
    assert_string_equal(f.env[2], "CT_ADDRESS=10.213.77.23");
    assert_string_equal(f.env[3], "CT_ID=0123456789abcdef0123456789abcdef");
}

static void test_run_failures(void **state)
{
    (void)state;
    struct ct_error err = {0};
    char warning[HOOK_WARNING_MAX];

    struct fake exits = {.exit_status = 3, .stderr_line = "manager unreachable"};
    assert_int_equal(run(&exits, HOOK_POLICY_FAIL, warning, sizeof(warning), &err), CT_ERR_HOOK);
    assert_string_equal(err.detail, "enrol exited with 3: manager unreachable");
    assert_string_equal(warning, "");
    assert_int_equal(run(&exits, HOOK_POLICY_WARN, warning, sizeof(warning), &err), CT_OK);
    assert_string_equal(warning, "hook enrol exited with 3: manager unreachable");

    struct fake quiet = {.exit_status = 1};
    assert_int_equal(run(&quiet, HOOK_POLICY_FAIL, warning, sizeof(warning), &err), CT_ERR_HOOK);
    assert_string_equal(err.detail, "enrol exited with 1");

    struct fake slow = {.time_out = true};
    assert_int_equal(run(&slow, HOOK_POLICY_FAIL, warning, sizeof(warning), &err), CT_ERR_HOOK);
    assert_string_equal(err.detail, "enrol timed out after 2s");
    assert_int_equal(run(&slow, HOOK_POLICY_WARN, warning, sizeof(warning), &err), CT_OK);
    assert_string_equal(warning, "hook enrol timed out after 2s");

    /* The backend cannot run it at all: its own error under "fail", a warning under "warn". */
    struct fake gone = {.rc = CT_ERR_BACKEND};
    assert_int_equal(run(&gone, HOOK_POLICY_FAIL, warning, sizeof(warning), &err), CT_ERR_BACKEND);
    assert_string_equal(err.detail, "hook enrol could not run: LXD is gone");
    assert_int_equal(run(&gone, HOOK_POLICY_WARN, warning, sizeof(warning), &err), CT_OK);
    assert_string_equal(warning, "hook enrol could not run: LXD is gone");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_hooks),  cmocka_unit_test(test_hooks_load),
        cmocka_unit_test(test_bad_hooks), cmocka_unit_test(test_bad_hook_lists),
        cmocka_unit_test(test_run_ok),    cmocka_unit_test(test_run_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
