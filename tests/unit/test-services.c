/*
 * Unit tests: shared/services.c - the service catalogue: the shipped
 * conf/services.conf, every refusal of the parser (unknown keys, bounds,
 * placeholders, argv[0]) with its file and line, the package list of a set of
 * services, placeholder expansion and the per-create password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <libconfig.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy-validate.h"
#include "services.h"

/* Parse text as a catalogue named "test.conf"; the code, the detail in err. */
static enum ct_err parse(const char *text, struct service_catalog *c, struct ct_error *err)
{
    config_t conf;
    config_init(&conf);
    assert_int_equal(config_read_string(&conf, text), CONFIG_TRUE);
    enum ct_err rc = services_parse(&conf, "test.conf", c, err);
    config_destroy(&conf);
    return rc;
}

static enum ct_err parse_code(const char *text, struct ct_error *err)
{
    struct service_catalog c;
    enum ct_err rc = parse(text, &c, err);
    if (rc == CT_OK) {
        services_free(&c);
    } else {
        assert_int_equal(c.n, 0);
        assert_null(c.items);
    }
    return rc;
}

static void test_shipped(void **state)
{
    (void)state;
    const char *src = getenv("CTGATE_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/conf/services.conf", src != NULL ? src : ".");
    struct service_catalog c;
    struct ct_error err = {0};
    assert_int_equal(services_load(path, &c, &err), CT_OK);
    assert_int_equal(c.n, 2);

    const struct service_def *pg = services_find(&c, "postgresql");
    assert_non_null(pg);
    assert_string_equal(pg->unit, "postgresql.service");
    assert_int_equal(pg->npackages, 1);
    assert_string_equal(pg->packages[0], "postgresql");
    assert_non_null(pg->ready);
    assert_string_equal(pg->ready[0], "/usr/bin/pg_isready");
    assert_int_equal(pg->ready_timeout_s, 60);
    assert_int_equal(pg->nsetup, 2);
    assert_string_equal(pg->setup[0][0], "/usr/sbin/runuser");
    assert_string_equal(pg->setup[0][8], "CREATE ROLE app LOGIN PASSWORD '{password}'");
    assert_null(pg->setup[0][9]);
    assert_int_equal(pg->nenv, 1);

    const struct service_def *redis = services_find(&c, "redis");
    assert_non_null(redis);
    assert_string_equal(redis->unit, "redis-server.service");
    assert_int_equal(redis->ready_timeout_s, 30);
    assert_null(services_find(&c, "mysql"));

    /* One create's postgresql: the password in the SQL and the URL, nowhere else. */
    struct service_values v = {
        .password = "Abc123Abc123Abc123Abc123", .name = "web1", .user = "alice"};
    struct service_expanded e;
    assert_int_equal(services_expand(pg, &v, &e, &err), CT_OK);
    assert_ptr_equal(e.def, pg);
    assert_int_equal(e.nsetup, 2);
    assert_string_equal(e.setup[0][8], "CREATE ROLE app LOGIN PASSWORD 'Abc123Abc123Abc123Abc123'");
    assert_string_equal(e.setup[1][8], "CREATE DATABASE app OWNER app");
    assert_string_equal(e.ready[0], "/usr/bin/pg_isready");
    assert_int_equal(e.nenv, 1);
    assert_string_equal(
        e.env[0], "DATABASE_URL=postgresql://app:Abc123Abc123Abc123Abc123@localhost:5432/app");
    assert_null(e.env[1]);
    services_expanded_free(&e);
    assert_null(e.setup);

    assert_int_equal(services_expand(redis, &v, &e, &err), CT_OK);
    assert_string_equal(e.setup[0][4], "Abc123Abc123Abc123Abc123");
    assert_string_equal(e.env[0], "REDIS_URL=redis://:Abc123Abc123Abc123Abc123@localhost:6379/0");
    services_expanded_free(&e);

    /* What a template build installs for both. */
    char *names[] = {"redis", "postgresql"};
    const char **pkgs = NULL;
    size_t n = 0;
    assert_int_equal(services_packages(&c, names, 2, &pkgs, &n, &err), CT_OK);
    assert_int_equal(n, 2);
    assert_string_equal(pkgs[0], "redis-server");
    assert_string_equal(pkgs[1], "postgresql");
    assert_null(pkgs[2]);
    free(pkgs);
    char *unknown[] = {"redis", "mongodb"};
    assert_int_equal(services_packages(&c, unknown, 2, &pkgs, &n, &err), CT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.detail, "mongodb"));
    assert_null(pkgs);
    services_free(&c);
    assert_int_equal(c.n, 0);
}

static void test_packages_once(void **state)
{
    (void)state;
    struct service_catalog c;
    struct ct_error err = {0};
    assert_int_equal(parse("services = ("
                           "{ name = \"a\"; unit = \"a.service\"; packages = [ \"x\", \"y\" ]; },"
                           "{ name = \"b\"; unit = \"b.service\"; packages = [ \"y\", \"z\" ]; },"
                           "{ name = \"c\"; unit = \"c.service\"; packages = [ ]; });",
                           &c, &err),
                     CT_OK);
    char *names[] = {"b", "a", "c"};
    const char **pkgs = NULL;
    size_t n = 0;
    assert_int_equal(services_packages(&c, names, 3, &pkgs, &n, &err), CT_OK);
    assert_int_equal(n, 3);
    assert_string_equal(pkgs[0], "y");
    assert_string_equal(pkgs[1], "z");
    assert_string_equal(pkgs[2], "x");
    free(pkgs);
    assert_int_equal(services_packages(&c, NULL, 0, &pkgs, &n, &err), CT_OK);
    assert_int_equal(n, 0);
    assert_null(pkgs[0]);
    free(pkgs);
    /* No ready, setup or env: an expansion of nothing. */
    struct service_values v = {.password = "p", .name = "n", .user = "u"};
    struct service_expanded e;
    assert_int_equal(services_expand(services_find(&c, "c"), &v, &e, &err), CT_OK);
    assert_null(e.ready);
    assert_int_equal(e.nsetup, 0);
    assert_int_equal(e.nenv, 0);
    services_expanded_free(&e);
    services_free(&c);
}

#define OK_ENTRY "name = \"s\"; unit = \"s.service\"; packages = [ \"s\" ];"
#define ENTRY(extra) "services = ( { " OK_ENTRY " " extra " } );"

static void test_refused(void **state)
{
    (void)state;
    struct ct_error err = {0};
    assert_int_equal(parse_code(ENTRY(""), &err), CT_OK);
    assert_int_equal(parse_code("services = ( );", &err), CT_OK);

    static const struct {
        const char *text;
        const char *detail; /* a part of the message */
    } cases[] = {
        {"", "missing 'services"},
        {"services = ( );\nother = 1;", "test.conf:2: unknown setting 'other'"},
        {"services = [ \"a\" ];", "must be a list"},
        {"services = ( 1 );", "services[0]: must be a group"},
        {ENTRY("\nsetpu = ( [ \"x\" ] );"),
         "test.conf:2: services[0] (s): unknown setting 'setpu'"},
        {"services = ( { unit = \"s.service\"; packages = [ ]; } );", "missing 'name'"},
        {"services = ( { name = \"S\"; unit = \"s.service\"; packages = [ ]; } );", "name must be"},
        {"services = ( { name = \"-s\"; unit = \"s.service\"; packages = [ ]; } );",
         "name must be"},
        {"services = ( { " OK_ENTRY " },\n{ " OK_ENTRY " } );",
         "test.conf:2: services[1]: duplicate name 's'"},
        {"services = ( { name = \"s\"; packages = [ ]; } );", "(s): missing 'unit'"},
        {"services = ( { name = \"s\"; unit = \"s\"; packages = [ ]; } );", "unit must be"},
        {"services = ( { name = \"s\"; unit = \"-s.service\"; packages = [ ]; } );",
         "unit must be"},
        {"services = ( { name = \"s\"; unit = \"a b.service\"; packages = [ ]; } );",
         "unit must be"},
        {"services = ( { name = \"s\"; unit = \"a;b.service\"; packages = [ ]; } );",
         "unit must be"},
        {"services = ( { name = \"s\"; unit = \"s.service\"; } );", "missing 'packages'"},
        {"services = ( { name = \"s\"; unit = \"s.service\"; packages = [ \"-x\" ]; } );",
         "not a Debian package name"},
        {"services = ( { name = \"s\"; unit = \"s.service\"; packages = \"x\"; } );",
         "packages must be an array"},
        {ENTRY("description = \"two\\nlines\";"), "'description' must be one line"},
        {ENTRY("setup = [ \"x\" ];"), "setup must be a list"},
        {ENTRY("setup = ( [ ] );"), "setup[0] must be an array of 1..16"},
        {ENTRY("setup = ( [ \"bin/psql\" ] );"), "absolute path or a bare name"},
        {ENTRY("setup = ( [ \"-x\" ] );"), "absolute path or a bare name"},
        {ENTRY("setup = ( [ \"{name}\" ] );"), "absolute path or a bare name"},
        {ENTRY("setup = ( [ \"\" ] );"), "absolute path or a bare name"},
        {ENTRY("setup = ( [ \"x\", \"{pass}\" ] );"), "'{' only in"},
        {ENTRY("setup = ( [ \"x\", \"{PASSWORD}\" ] );"), "'{' only in"},
        {ENTRY("setup = ( [ \"x\", \"a}\" ] );"), "'{' only in"},
        {ENTRY("setup = ( [ \"x\", \"{password\" ] );"), "'{' only in"},
        {ENTRY("setup = ( [ \"x\", \"a\\nb\" ] );"), "without control"},
        {ENTRY("setup = ( [ 1 ] );"), "setup[0]: words are strings"},
        {ENTRY("setup = ( ( \"x\" ) );"), "setup[0] must be an array"},
        {ENTRY("ready = [ ];"), "ready must be an array"},
        {ENTRY("ready = [ \"./check\" ];"), "absolute path or a bare name"},
        {ENTRY("ready_timeout = \"10s\";"), "ready_timeout must be"},
        {ENTRY("ready = [ \"x\" ]; ready_timeout = \"11m\";"), "ready_timeout must be"},
        {ENTRY("ready = [ \"x\" ]; ready_timeout = 10;"), "ready_timeout must be"},
        {ENTRY("env = [ \"NOEQUALS\" ];"), "items are \"KEY=VALUE\""},
        {ENTRY("env = [ \"1X=a\" ];"), "items are \"KEY=VALUE\""},
        {ENTRY("env = [ \"X=a{host}\" ];"), "items are \"KEY=VALUE\""},
        {ENTRY("env = [ \"X=a\\tb\" ];"), "items are \"KEY=VALUE\""},
        {ENTRY("env = [ \"X=1\", \"X=2\" ];"), "env: X is set twice"},
        {ENTRY("env = ( \"X=1\" );"), "env must be an array"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&err, 0, sizeof(err));
        if (parse_code(cases[i].text, &err) != CT_ERR_CONFIG ||
            strstr(err.detail, cases[i].detail) == NULL) {
            fail_msg("case %zu [%s]: got [%s], wanted [%s]", i, cases[i].text, err.detail,
                     cases[i].detail);
        }
    }
    /* What is allowed: an empty word (not first), ENV_KEY=, bare names, the three placeholders. */
    assert_int_equal(parse_code(ENTRY("setup = ( [ \"psql\", \"\", \"{password}{name}{user}\" ] );"
                                      "env = [ \"A=\", \"B={user}@{name}:{password}\" ];"
                                      "ready = [ \"/bin/true\" ]; ready_timeout = \"10m\";"),
                                &err),
                     CT_OK);
}

/* One catalogue of n services, each with the given setup commands, argv words and env items. */
static char *catalogue(size_t n, size_t nsetup, size_t nwords, size_t nenv, size_t wordlen)
{
    size_t cap = 8 * 1024 * 1024;
    char *text = malloc(cap);
    size_t used = 0;
    assert_non_null(text);
    used += (size_t)snprintf(text + used, cap - used, "services = (");
    for (size_t s = 0; s < n; s++) {
        used += (size_t)snprintf(text + used, cap - used,
                                 "%s{ name = \"s%zu\"; unit = \"s.service\"; packages = [ ]; "
                                 "setup = (",
                                 s ? "," : "", s);
        for (size_t c = 0; c < nsetup; c++) {
            used += (size_t)snprintf(text + used, cap - used, "%s[ \"cmd\"", c ? "," : "");
            for (size_t w = 1; w < nwords; w++) {
                used += (size_t)snprintf(text + used, cap - used, ", \"%0*d\"", (int)wordlen, 0);
            }
            used += (size_t)snprintf(text + used, cap - used, " ]");
        }
        used += (size_t)snprintf(text + used, cap - used, "); env = [");
        for (size_t e = 0; e < nenv; e++) {
            used += (size_t)snprintf(text + used, cap - used, "%s\"K%zu=v\"", e ? "," : "", e);
        }
        used += (size_t)snprintf(text + used, cap - used, "]; }");
    }
    snprintf(text + used, cap - used, ");");
    assert_true(used + 3 < cap);
    return text;
}

static void test_bounds(void **state)
{
    (void)state;
    struct ct_error err = {0};
    static const struct {
        size_t n, nsetup, nwords, nenv, wordlen;
        enum ct_err want;
    } cases[] = {
        {SERVICES_MAX, SERVICE_SETUP_MAX, SERVICE_ARGV_MAX, SERVICE_ENV_MAX, SERVICE_WORD_MAX,
         CT_OK},
        {SERVICES_MAX + 1, 1, 1, 0, 1, CT_ERR_CONFIG},
        {1, SERVICE_SETUP_MAX + 1, 1, 0, 1, CT_ERR_CONFIG},
        {1, 1, SERVICE_ARGV_MAX + 1, 0, 1, CT_ERR_CONFIG},
        {1, 1, 2, SERVICE_ENV_MAX + 1, 1, CT_ERR_CONFIG},
        {1, 1, 2, 0, SERVICE_WORD_MAX + 1, CT_ERR_CONFIG},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *text = catalogue(cases[i].n, cases[i].nsetup, cases[i].nwords, cases[i].nenv,
                               cases[i].wordlen);
        if (parse_code(text, &err) != cases[i].want) {
            fail_msg("bounds case %zu: %s", i, err.detail);
        }
        free(text);
    }
}

static void test_load_errors(void **state)
{
    (void)state;
    struct service_catalog c;
    struct ct_error err = {0};
    assert_int_equal(services_load("/nonexistent/services.conf", &c, &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "/nonexistent/services.conf"));
    char path[] = "/tmp/ctgate-services-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "services = (\n  { name = \"s\"; unit = \"s.service\"; packages = [ ];\n"
                       "    setup = ( [ \"x\", \"{nope}\" ] ); }\n);\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(services_load(path, &c, &err), CT_ERR_CONFIG);
    char want[128];
    snprintf(want, sizeof(want), "%s:3: services[0] (s): setup[0]: words", path);
    assert_non_null(strstr(err.detail, want));
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "services = (\n{", 14), 14);
    close(fd);
    assert_int_equal(services_load(path, &c, &err), CT_ERR_CONFIG);
    snprintf(want, sizeof(want), "%s:", path);
    assert_non_null(strstr(err.detail, want));
    unlink(path);
}

static void test_expand_refuses(void **state)
{
    (void)state;
    struct service_catalog c;
    struct ct_error err = {0};
    assert_int_equal(
        parse(ENTRY("setup = ( [ \"x\", \"{password}\" ] ); env = [ \"A={name}\" ];"), &c, &err),
        CT_OK);
    const struct service_def *s = services_find(&c, "s");
    struct service_expanded e;
    static const char *const bad[] = {"it's", "a\"b",   "a\nb", "a b",        "a\\b",
                                      "`x`",  "{name}", "",     "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct service_values v = {.password = bad[i], .name = "web1", .user = "alice"};
        assert_int_equal(services_expand(s, &v, &e, &err), CT_ERR_INTERNAL);
        assert_null(strstr(err.detail, bad[i][0] != '\0' ? bad[i] : "\x01")); /* not repeated */
        assert_null(e.setup);
        struct service_values w = {.password = "pw", .name = bad[i], .user = "alice"};
        assert_int_equal(services_expand(s, &w, &e, &err), CT_ERR_INTERNAL);
    }
    struct service_values none = {.password = NULL, .name = "web1", .user = "alice"};
    assert_int_equal(services_expand(s, &none, &e, &err), CT_ERR_INTERNAL);
    char longer[SERVICE_VALUE_MAX + 2];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    struct service_values big = {.password = "pw", .name = "web1", .user = longer};
    assert_int_equal(services_expand(s, &big, &e, &err), CT_ERR_INTERNAL);
    services_free(&c);
}

static void test_password(void **state)
{
    (void)state;
    char a[SERVICE_PASSWORD_LEN + 1];
    char b[SERVICE_PASSWORD_LEN + 1];
    services_password(a);
    services_password(b);
    assert_int_equal(strlen(a), SERVICE_PASSWORD_LEN);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
                     SERVICE_PASSWORD_LEN);
    assert_string_not_equal(a, b);
    /* a password is a value expand takes, and an env value .env takes */
    char item[64];
    snprintf(item, sizeof(item), "P=%s", a);
    assert_true(validate_env_item(item));
}

int main(void)
{
    if (sodium_init() < 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),     cmocka_unit_test(test_packages_once),
        cmocka_unit_test(test_refused),     cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_load_errors), cmocka_unit_test(test_expand_refuses),
        cmocka_unit_test(test_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
