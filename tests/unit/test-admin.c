/* Unit tests: hypervisor-agent/admin/admin.c, the subcommand table's parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "admin.h"

#define ARGV(...) ((char *[]){"ctgate-agent", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"ctgate-agent", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(ctx, why, group, ...)                                                                \
    admin_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), ctx, why, sizeof(why), group)

static void test_commands(void **state)
{
    (void)state;
    struct admin_ctx ctx;
    char why[256];
    const char *group;
    char *none[] = {"ctgate-agent", NULL};

    memset(&ctx, 0, sizeof(ctx));
    assert_int_equal(admin_parse(1, none, &ctx, why, sizeof(why), &group), ADMIN_PARSE_RUN);
    assert_string_equal(ctx.cmd->name, "serve");
    assert_string_equal(ctx.config_path, AGENT_CONFIG_DEFAULT);

    assert_int_equal(PARSE(&ctx, why, &group, "--config", "/x.conf"), ADMIN_PARSE_RUN);
    assert_string_equal(ctx.cmd->name, "serve");
    assert_string_equal(ctx.config_path, "/x.conf");

    assert_int_equal(PARSE(&ctx, why, &group, "check-config", "--config=/y.conf"), ADMIN_PARSE_RUN);
    assert_string_equal(ctx.cmd->name, "check-config");
    assert_string_equal(ctx.config_path, "/y.conf");
    assert_true((ctx.cmd->flags & ADMIN_NEED_CONFIG) != 0);
    assert_true((ctx.cmd->flags & ADMIN_NEED_BACKEND) == 0);

    assert_int_equal(PARSE(&ctx, why, &group, "-c", "/z.conf", "reconcile", "--fix"),
                     ADMIN_PARSE_RUN);
    assert_string_equal(ctx.cmd->name, "reconcile");
    assert_string_equal(ctx.config_path, "/z.conf");
    assert_non_null(admin_opt(&ctx, "fix"));
    assert_true((ctx.cmd->flags & ADMIN_NEED_BACKEND) != 0);

    /* An option may stand before the subcommand that takes it. */
    assert_int_equal(PARSE(&ctx, why, &group, "--dry-run", "reap"), ADMIN_PARSE_RUN);
    assert_string_equal(ctx.cmd->name, "reap");
    assert_non_null(admin_opt(&ctx, "dry-run"));
    assert_int_equal(PARSE(&ctx, why, &group, "reap"), ADMIN_PARSE_RUN);
    assert_null(admin_opt(&ctx, "dry-run"));

    assert_int_equal(PARSE(&ctx, why, &group, "audit", "show", "--user", "bob", "--since=2h",
                           "--name", "web1", "--json"),
                     ADMIN_PARSE_RUN);
    assert_string_equal(ctx.cmd->name, "audit show");
    assert_string_equal(admin_opt(&ctx, "user"), "bob");
    assert_string_equal(admin_opt(&ctx, "since"), "2h");
    assert_string_equal(admin_opt(&ctx, "name"), "web1");
    assert_string_equal(admin_opt(&ctx, "json"), "");
    assert_int_equal(PARSE(&ctx, why, &group, "audit", "verify"), ADMIN_PARSE_RUN);
    assert_string_equal(ctx.cmd->name, "audit verify");

    assert_int_equal(PARSE(&ctx, why, &group, "reap", "--help"), ADMIN_PARSE_HELP);
    assert_int_equal(PARSE(&ctx, why, &group, "-V"), ADMIN_PARSE_VERSION);
}

static void expect_usage(int argc, char **argv, const char *why_part, const char *want_group)
{
    struct admin_ctx ctx;
    char why[256];
    const char *group = NULL;
    memset(&ctx, 0, sizeof(ctx));
    assert_int_equal(admin_parse(argc, argv, &ctx, why, sizeof(why), &group), ADMIN_PARSE_USAGE);
    assert_non_null(strstr(why, why_part));
    assert_string_equal(group, want_group);
}

static void test_refusals(void **state)
{
    (void)state;
    /* An option of another subcommand. */
    expect_usage(ARGC("reap", "--fix"), ARGV("reap", "--fix"), "reap takes no --fix (reconcile does)",
                 "reap");
    expect_usage(ARGC("--fix", "reap"), ARGV("--fix", "reap"), "reap takes no --fix", "reap");
    expect_usage(ARGC("reconcile", "--dry-run"), ARGV("reconcile", "--dry-run"),
                 "reconcile takes no --dry-run (reap does)", "reconcile");
    expect_usage(ARGC("serve", "--fix"), ARGV("serve", "--fix"), "serve takes no --fix", "serve");
    expect_usage(ARGC("audit", "verify", "--json"), ARGV("audit", "verify", "--json"),
                 "audit verify takes no --json (audit show does)", "audit verify");
    expect_usage(ARGC("check-config", "--nosuch"), ARGV("check-config", "--nosuch"),
                 "unknown option '--nosuch' for check-config", "check-config");
    /* Values: missing, refused, given to a switch. */
    expect_usage(ARGC("reconcile", "--config"), ARGV("reconcile", "--config"),
                 "--config needs a value", "reconcile");
    expect_usage(ARGC("reap", "--dry-run=yes"), ARGV("reap", "--dry-run=yes"),
                 "--dry-run takes no value", "reap");
    expect_usage(ARGC("audit", "show", "--since", "soon"), ARGV("audit", "show", "--since", "soon"),
                 "ctgate-agent audit: --since takes", "audit show");
    expect_usage(ARGC("audit", "show", "--user", "a b"), ARGV("audit", "show", "--user", "a b"), "",
                 "audit show");
    expect_usage(ARGC("audit", "show", "--name", "x;y"), ARGV("audit", "show", "--name", "x;y"), "",
                 "audit show");
    /* Commands: unknown, incomplete, with extra words. */
    expect_usage(ARGC("bogus"), ARGV("bogus"), "unknown command 'bogus'", "");
    expect_usage(ARGC("audit"), ARGV("audit"), "", "audit");
    expect_usage(ARGC("audit", "bogus"), ARGV("audit", "bogus"), "unknown command 'audit bogus'",
                 "audit");
    expect_usage(ARGC("reconcile", "now"), ARGV("reconcile", "now"),
                 "reconcile takes no argument 'now'", "reconcile");
}

/* template build NAME: one word after the command's name. */
static void test_operand(void **state)
{
    (void)state;
    struct admin_ctx ctx;
    char why[256];
    const char *group;

    memset(&ctx, 0, sizeof(ctx));
    assert_int_equal(PARSE(&ctx, why, &group, "template", "build", "debian-12"), ADMIN_PARSE_RUN);
    assert_string_equal(ctx.cmd->name, "template build");
    assert_string_equal(ctx.operand, "debian-12");
    assert_null(admin_opt(&ctx, "force"));
    assert_true((ctx.cmd->flags & ADMIN_NEED_BACKEND) != 0);
    assert_int_equal(PARSE(&ctx, why, &group, "--force", "template", "build", "web"),
                     ADMIN_PARSE_RUN);
    assert_string_equal(ctx.operand, "web");
    assert_non_null(admin_opt(&ctx, "force"));

    assert_int_equal(PARSE(&ctx, why, &group, "template", "build"), ADMIN_PARSE_USAGE);
    assert_string_equal(why, "ctgate-agent: template build needs a NAME");
    assert_string_equal(group, "template build");
    assert_int_equal(PARSE(&ctx, why, &group, "template", "build", "a", "b"), ADMIN_PARSE_USAGE);
    assert_string_equal(why, "ctgate-agent: template build takes no argument 'b'");
    /* Commands without an operand still refuse a word. */
    assert_int_equal(PARSE(&ctx, why, &group, "reap", "now"), ADMIN_PARSE_USAGE);
    assert_null(ctx.operand);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_operand),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
