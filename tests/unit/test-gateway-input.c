/*
 * Unit tests: gateway/tokenize.c, gateway/args.c, the dispatcher (commands.c: cmd_exec,
 * cmd_request), gateway/ldap-dir.c (escaping), gateway/login-key.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "ldap-dir.h"
#include "login-key.h"
#include "tokenize.h"

static void expect_words(const char *line, size_t n, const char *const *want)
{
    struct words w;
    const char *why = NULL;
    assert_int_equal(tokenize(line, &w, &why), 0);
    assert_int_equal(w.n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(w.v[i], want[i]);
    }
    assert_null(w.v[n]);
    tokenize_free(&w);
}

static void expect_refused(const char *line, const char *reason_part)
{
    struct words w;
    const char *why = NULL;
    assert_int_equal(tokenize(line, &w, &why), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, reason_part));
    assert_int_equal(w.n, 0);
}

static void test_tokenize_words(void **state)
{
    (void)state;
    expect_words("", 0, NULL);
    expect_words("   \t ", 0, NULL);
    expect_words("list", 1, (const char *[]){"list"});
    expect_words("  info   web1 ", 2, (const char *[]){"info", "web1"});
    expect_words("create --pubkey 'ssh-ed25519 AAAA a b'", 3,
                 (const char *[]){"create", "--pubkey", "ssh-ed25519 AAAA a b"});
    expect_words("a \"b \\\" c\" d", 3, (const char *[]){"a", "b \" c", "d"});
    expect_words("'x; id' \"$(id)\" '`id`'", 3, (const char *[]){"x; id", "$(id)", "`id`"});
    expect_words("a\\ b", 1, (const char *[]){"a b"});
    expect_words("''", 1, (const char *[]){""});
    expect_words("--env=A='b c'", 1, (const char *[]){"--env=A=b c"});
}

static void test_tokenize_refusals(void **state)
{
    (void)state;
    expect_refused("version; id", "shell syntax");
    expect_refused("a | b", "shell syntax");
    expect_refused("a && b", "shell syntax");
    expect_refused("$(id)", "shell syntax");
    expect_refused("`id`", "shell syntax");
    expect_refused("a > f", "shell syntax");
    expect_refused("() { :; }", "shell syntax");
    expect_refused("info 'web1", "unbalanced quote");
    expect_refused("info \"web1", "unbalanced quote");
    expect_refused("a\nb", "control character");
    expect_refused("a\rb", "control character");
    expect_refused("a\x1b[2Jb", "control character");
    expect_refused("'a\nb'", "control character");
    expect_refused("abc\\", "backslash");
    char *big = malloc(TOKENIZE_WORD_MAX + 2);
    memset(big, 'a', TOKENIZE_WORD_MAX + 1);
    big[TOKENIZE_WORD_MAX + 1] = '\0';
    expect_refused(big, "too long");
    free(big);
    char many[TOKENIZE_WORDS_MAX * 2 + 4];
    size_t n = 0;
    for (int i = 0; i <= TOKENIZE_WORDS_MAX; i++) {
        many[n++] = 'x';
        many[n++] = ' ';
    }
    many[n] = '\0';
    expect_refused(many, "too many words");
}

static void test_escape(void **state)
{
    (void)state;
    char out[64];
    assert_true(ldap_dir_escape("alice", out, sizeof(out)));
    assert_string_equal(out, "alice");
    assert_true(ldap_dir_escape("a*)(uid=*", out, sizeof(out)));
    assert_string_equal(out, "a\\2a\\29\\28uid=\\2a");
    assert_true(ldap_dir_escape("back\\slash", out, sizeof(out)));
    assert_string_equal(out, "back\\5cslash");
    assert_true(ldap_dir_escape("\x01\x7f\xc3", out, sizeof(out)));
    assert_string_equal(out, "\\01\\7f\\c3");
    assert_false(ldap_dir_escape("****", out, 12)); /* needs 13 bytes */
    assert_true(ldap_dir_escape("****", out, 13));
}

static enum ct_err read_auth_file(const char *content, char *path, size_t len, struct pubkey *key,
                                  struct ct_error *err)
{
    snprintf(path, len, "/tmp/sshauth.unitXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    enum ct_err rc = login_key_read(path, key, err);
    unlink(path);
    return rc;
}

#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

static void test_login_key(void **state)
{
    (void)state;
    char path[64];
    struct pubkey key;
    struct ct_error err = {0};
    assert_int_equal(read_auth_file("publickey " KEY "\n", path, sizeof(path), &key, &err), CT_OK);
    assert_string_equal(key.type, "ssh-ed25519");
    pubkey_free(&key);
    assert_int_equal(read_auth_file("password\n", path, sizeof(path), &key, &err),
                     CT_ERR_NOT_AUTHENTICATED);
    assert_int_equal(read_auth_file("publickey " KEY "\npublickey " KEY "\n", path, sizeof(path),
                                    &key, &err),
                     CT_ERR_NOT_AUTHENTICATED);
    assert_int_equal(read_auth_file("publickey garbage\n", path, sizeof(path), &key, &err),
                     CT_ERR_NOT_AUTHENTICATED);
    /* Only sshd's own file name, never a symlink. */
    assert_int_equal(login_key_read("/etc/passwd", &key, &err), CT_ERR_NOT_AUTHENTICATED);
    assert_int_equal(login_key_read("/tmp/sshauth.x/../../etc/passwd", &key, &err),
                     CT_ERR_NOT_AUTHENTICATED);
    char link[64];
    snprintf(link, sizeof(link), "/tmp/sshauth.unitlink%d", (int)getpid());
    assert_int_equal(symlink("/etc/hostname", link), 0);
    assert_int_equal(login_key_read(link, &key, &err), CT_ERR_NOT_AUTHENTICATED);
    assert_non_null(strstr(err.detail, "symbolic link"));
    unlink(link);
}

static enum ct_err parse(const struct cmd_entry *cmd, const char *line, struct cmd_args *args,
                         struct words *w, struct ct_error *err)
{
    const char *why = NULL;
    assert_int_equal(tokenize(line, w, &why), 0);
    return args_parse(cmd, w, 0, args, err);
}

static void test_args(void **state)
{
    (void)state;
    struct cmd_args a;
    struct words w;
    struct ct_error err = {0};
    assert_int_equal(parse(&cmd_create_entry, "--hostname web1 --json --template=busybox", &a, &w,
                           &err),
                     CT_OK);
    assert_string_equal(args_flag(&a, "hostname"), "web1");
    assert_string_equal(args_flag(&a, "template"), "busybox");
    assert_string_equal(args_flag(&a, "json"), "");
    assert_null(args_flag(&a, "pubkey"));
    tokenize_free(&w);
    /* A value that looks like an option is refused unless attached with '='. */
    assert_int_equal(parse(&cmd_create_entry, "--hostname --json", &a, &w, &err),
                     CT_ERR_BAD_REQUEST);
    tokenize_free(&w);
    assert_int_equal(parse(&cmd_create_entry, "--hostname=-x", &a, &w, &err), CT_OK);
    assert_string_equal(args_flag(&a, "hostname"), "-x");
    tokenize_free(&w);
    assert_int_equal(parse(&cmd_create_entry, "--hostname a --hostname b", &a, &w, &err),
                     CT_ERR_BAD_REQUEST);
    tokenize_free(&w);
    assert_int_equal(parse(&cmd_create_entry, "--nosuch", &a, &w, &err), CT_ERR_BAD_REQUEST);
    tokenize_free(&w);
    assert_int_equal(parse(&cmd_create_entry, "-h", &a, &w, &err), CT_ERR_BAD_REQUEST);
    tokenize_free(&w);
    assert_int_equal(parse(&cmd_info_entry, "web1 --user alice", &a, &w, &err), CT_OK);
    assert_int_equal(a.npositional, 1);
    assert_string_equal(a.positional[0], "web1");
    tokenize_free(&w);
    assert_int_equal(parse(&cmd_info_entry, "", &a, &w, &err), CT_ERR_BAD_REQUEST);
    tokenize_free(&w);
    assert_int_equal(parse(&cmd_info_entry, "a b", &a, &w, &err), CT_ERR_BAD_REQUEST);
    tokenize_free(&w);
    assert_int_equal(parse(&cmd_version_entry, "--user alice", &a, &w, &err), CT_ERR_BAD_REQUEST);
    tokenize_free(&w);
    assert_int_equal(parse(&cmd_delete_entry, "-- -web1", &a, &w, &err), CT_OK);
    assert_string_equal(a.positional[0], "-web1");
    tokenize_free(&w);
}

/* --- the dispatcher ----------------------------------------------------------- */

static const char *seen_name;
static bool exec_ran;

static int record_exec(struct session *s, const struct cmd_args *args)
{
    (void)s;
    exec_ran = true;
    seen_name = args->name;
    return 0;
}

/* Like info, but without a login (needs_auth false), so it runs without LDAP. */
static const struct cmd_entry fake_named_entry = {
    .name = "fake",
    .args_usage = "NAME",
    .summary = "test",
    .min_args = 1,
    .max_args = 1,
    .target = CMD_TARGET_NAME,
    .exec = record_exec,
};

static const struct cmd_entry fake_optional_entry = {
    .name = "fakeopt",
    .args_usage = "[NAME]",
    .summary = "test",
    .max_args = 1,
    .target = CMD_TARGET_NAME_OPTIONAL,
    .exec = record_exec,
};

static int dispatch(const struct cmd_entry *cmd, const char *line)
{
    struct session s;
    struct cmd_args a;
    struct words w;
    struct ct_error err = {0};
    memset(&s, 0, sizeof(s));
    exec_ran = false;
    seen_name = NULL;
    assert_int_equal(parse(cmd, line, &a, &w, &err), CT_OK);
    int code = cmd_exec(cmd, &s, &a);
    if (exec_ran) {
        assert_ptr_equal(a.cmd, cmd);
        static char name[CT_HOSTNAME_MAX + 1];
        snprintf(name, sizeof(name), "%s", seen_name);
        seen_name = name;
    }
    tokenize_free(&w);
    session_free(&s);
    return code;
}

static void expect_parse_error(const struct cmd_entry *cmd, const char *line, const char *part)
{
    struct cmd_args a;
    struct words w;
    struct ct_error err = {0};
    assert_int_equal(parse(cmd, line, &a, &w, &err), CT_ERR_BAD_REQUEST);
    assert_non_null(strstr(err.detail, part));
    tokenize_free(&w);
}

static void test_dispatch(void **state)
{
    (void)state;
    /* A flag only another command has is refused by the table. */
    expect_parse_error(&cmd_info_entry, "web1 --yes", "unknown option '--yes' for info");
    expect_parse_error(&cmd_start_entry, "web1 --hostname x", "unknown option '--hostname' for start");
    expect_parse_error(&cmd_delete_entry, "web1 --yes=1", "--yes takes no value");
    /* NAME missing, NAME twice. */
    expect_parse_error(&cmd_stop_entry, "", "usage: stop NAME");
    expect_parse_error(&cmd_delete_entry, "--yes", "usage: delete NAME");
    expect_parse_error(&cmd_restart_entry, "a b", "'restart' takes only NAME; unexpected 'b'");
    /* NAME invalid: refused by the dispatcher (exit 2) before any login or exec. */
    assert_int_equal(dispatch(&cmd_info_entry, "'x;y'"), CT_EXIT_BAD_INPUT);
    assert_int_equal(dispatch(&cmd_delete_entry, "--yes -- -web1"), CT_EXIT_BAD_INPUT);
    assert_int_equal(dispatch(&cmd_history_entry, "web_1"), CT_EXIT_BAD_INPUT);
    assert_int_equal(dispatch(&fake_named_entry, "a.b"), CT_EXIT_BAD_INPUT);
    assert_false(exec_ran);
    char long_name[CT_HOSTNAME_MAX + 8];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_int_equal(dispatch(&fake_named_entry, long_name), CT_EXIT_BAD_INPUT);
    assert_false(exec_ran);
    /* A good NAME reaches exec lower-cased; no NAME for an optional target is "". */
    assert_int_equal(dispatch(&fake_named_entry, "Web-1"), 0);
    assert_true(exec_ran);
    assert_string_equal(seen_name, "web-1");
    assert_int_equal(dispatch(&fake_optional_entry, ""), 0);
    assert_true(exec_ran);
    assert_string_equal(seen_name, "");
}

static void test_request(void **state)
{
    (void)state;
    struct session s;
    struct cmd_args a;
    memset(&s, 0, sizeof(s));
    memset(&a, 0, sizeof(a));
    snprintf(a.name, sizeof(a.name), "web1");
    json_t *req = cmd_request(&s, "info", &a);
    assert_non_null(req);
    assert_string_equal(json_string_value(json_object_get(req, "op")), "info");
    assert_string_equal(json_string_value(json_object_get(req, "hostname")), "web1");
    assert_non_null(json_object_get(req, "caller"));
    json_decref(req);
    a.name[0] = '\0';
    req = cmd_request(&s, "history", &a);
    assert_null(json_object_get(req, "hostname"));
    json_decref(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenize_words), cmocka_unit_test(test_tokenize_refusals),
        cmocka_unit_test(test_escape),         cmocka_unit_test(test_login_key),
        cmocka_unit_test(test_args),           cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
