/*
 * Unit tests: hypervisor-agent/templates/template-recipe.c - a template's build recipe
 * (parsing, validation, limits), the inputs hash (same inputs, same hash;
 * the package order is irrelevant; any change is a new hash) and the dpkg
 * status reader of the build record; and agent-config.c's use of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libconfig.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-config.h"
#include "template-recipe.h"

/* Parse "build = {...};" text into *r; returns the code, the detail in err. */
static enum ct_err recipe_from(const char *text, struct template_recipe **r, struct ct_error *err)
{
    config_t conf;
    config_init(&conf);
    assert_int_equal(config_read_string(&conf, text), CONFIG_TRUE);
    enum ct_err rc = template_recipe_load(config_lookup(&conf, "build"), r, err);
    config_destroy(&conf);
    return rc;
}

static enum ct_err recipe_code(const char *text, struct ct_error *err)
{
    struct template_recipe *r = NULL;
    enum ct_err rc = recipe_from(text, &r, err);
    template_recipe_free(r);
    return rc;
}

static void hash_of(const char *text, const char *arch, char hex[TEMPLATE_INPUTS_HEX])
{
    struct template_recipe *r = NULL;
    struct ct_error err = {0};
    assert_int_equal(recipe_from(text, &r, &err), CT_OK);
    assert_int_equal(template_recipe_hash(r, arch, NULL, hex, &err), CT_OK);
    template_recipe_free(r);
}

static void test_names(void **state)
{
    (void)state;
    assert_true(template_package_valid("nodejs"));
    assert_true(template_package_valid("g++"));
    assert_true(template_package_valid("libstdc++6"));
    assert_true(template_package_valid("python3.11"));
    assert_true(template_package_valid("0ad"));
    assert_false(template_package_valid(""));
    assert_false(template_package_valid("-rf"));
    assert_false(template_package_valid("Nodejs"));
    assert_false(template_package_valid("foo bar"));
    assert_false(template_package_valid("foo;rm"));
    assert_false(template_package_valid("foo=1.0"));
    assert_false(template_package_valid("foo/bookworm"));
    char long_name[TEMPLATE_PACKAGE_MAX + 2];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_false(template_package_valid(long_name));
    long_name[TEMPLATE_PACKAGE_MAX] = '\0';
    assert_true(template_package_valid(long_name));

    assert_true(template_suite_valid("bookworm"));
    assert_true(template_suite_valid("bookworm-backports"));
    assert_false(template_suite_valid("Bookworm"));
    assert_false(template_suite_valid("../etc"));
    assert_false(template_suite_valid("12"));
    assert_false(template_suite_valid(""));

    assert_true(template_mirror_valid("http://deb.debian.org/debian"));
    assert_true(template_mirror_valid("https://mirror.example.org:8443/debian/"));
    assert_true(template_mirror_valid("http://[2001:db8::1]/debian"));
    assert_false(template_mirror_valid("ftp://deb.debian.org/debian"));
    assert_false(template_mirror_valid("deb http://deb.debian.org/debian bookworm main"));
    assert_false(template_mirror_valid("http://"));
    assert_false(template_mirror_valid("http://x/$(id)"));
    assert_false(template_mirror_valid("http://x/\"y"));
    assert_false(template_mirror_valid("/etc/apt/sources.list"));
}

static void test_recipe(void **state)
{
    (void)state;
    struct template_recipe *r = NULL;
    struct ct_error err = {0};
    assert_int_equal(
        recipe_from("build = { suite = \"bookworm\"; mirror = "
                    "\"http://deb.debian.org/debian\"; packages = [ \"redis-server\", "
                    "\"nodejs\", \"git\" ]; ca_certificates = [ \"/etc/ca/a.crt\" ]; };",
                    &r, &err),
        CT_OK);
    assert_string_equal(r->suite, "bookworm");
    assert_string_equal(r->mirror, "http://deb.debian.org/debian");
    assert_int_equal(r->nca, 1);
    assert_string_equal(r->ca_certificates[0], "/etc/ca/a.crt");
    /* the base packages and the template's, sorted, git once */
    size_t nbase = 0;
    while (template_base_packages[nbase] != NULL) {
        nbase++;
    }
    assert_int_equal(r->npackages, nbase + 2);
    for (size_t i = 1; i < r->npackages; i++) {
        assert_true(strcmp(r->packages[i - 1], r->packages[i]) < 0);
    }
    bool have_nodejs = false;
    bool have_ssh = false;
    for (size_t i = 0; i < r->npackages; i++) {
        have_nodejs = have_nodejs || strcmp(r->packages[i], "nodejs") == 0;
        have_ssh = have_ssh || strcmp(r->packages[i], "openssh-server") == 0;
    }
    assert_true(have_nodejs && have_ssh);
    template_recipe_free(r);

    /* Defaults: bookworm, the host's apt sources, the base packages only. */
    assert_int_equal(recipe_from("build = { };", &r, &err), CT_OK);
    assert_string_equal(r->suite, "bookworm");
    assert_string_equal(r->mirror, "");
    assert_int_equal(r->npackages, nbase);
    assert_int_equal(r->nca, 0);
    template_recipe_free(r);
}

static void test_bad_recipes(void **state)
{
    (void)state;
    struct ct_error err = {0};
    assert_int_equal(recipe_code("build = { packages = [ \"ok\", \"rm -rf\" ]; };", &err),
                     CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "build.packages[1]"));
    assert_int_equal(recipe_code("build = { packages = \"nodejs\"; };", &err), CT_ERR_CONFIG);
    assert_int_equal(recipe_code("build = { packages = [ 1 ]; };", &err), CT_ERR_CONFIG);
    assert_int_equal(recipe_code("build = { suite = \"Bookworm\"; };", &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "build.suite"));
    assert_int_equal(recipe_code("build = { suite = 12; };", &err), CT_ERR_CONFIG);
    assert_int_equal(recipe_code("build = { mirror = \"ftp://x/debian\"; };", &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "build.mirror"));
    assert_int_equal(recipe_code("build = { ca_certificates = [ \"relative.crt\" ]; };", &err),
                     CT_ERR_CONFIG);
    assert_int_equal(recipe_code("build = { ca_certificates = [ \"/a/../b.crt\" ]; };", &err),
                     CT_ERR_CONFIG);
    assert_int_equal(recipe_code("build = { pakages = [ \"typo\" ]; };", &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "unknown setting build.pakages"));
    assert_int_equal(recipe_code("build = \"bookworm\";", &err), CT_ERR_CONFIG);

    /* At most TEMPLATE_PACKAGES_MAX packages and TEMPLATE_CAS_MAX certificates. */
    char text[8192] = "build = { packages = [ ";
    for (int i = 0; i <= TEMPLATE_PACKAGES_MAX; i++) {
        char one[32];
        snprintf(one, sizeof(one), "%s\"p%d\"", i ? ", " : "", i);
        strcat(text, one);
    }
    strcat(text, " ]; };");
    assert_int_equal(recipe_code(text, &err), CT_ERR_CONFIG);
    strcpy(text, "build = { ca_certificates = [ ");
    for (int i = 0; i <= TEMPLATE_CAS_MAX; i++) {
        strcat(text, i ? ", \"/c.crt\"" : "\"/c.crt\"");
    }
    strcat(text, " ]; };");
    assert_int_equal(recipe_code(text, &err), CT_ERR_CONFIG);
}

static void test_hash(void **state)
{
    (void)state;
    char a[TEMPLATE_INPUTS_HEX];
    char b[TEMPLATE_INPUTS_HEX];
    const char *base = "build = { mirror = \"http://m/debian\"; packages = [ \"nodejs\", "
                       "\"redis-server\" ]; };";
    hash_of(base, "x86_64", a);
    assert_int_equal(strlen(a), 64);
    hash_of(base, "x86_64", b);
    assert_string_equal(a, b); /* same inputs, same hash */
    hash_of("build = { mirror = \"http://m/debian\"; packages = [ \"redis-server\", \"nodejs\", "
            "\"nodejs\", \"git\" ]; };",
            "x86_64", b);
    assert_string_equal(a, b); /* order, repeats and base packages named again: irrelevant */
    hash_of("build = { mirror = \"http://m/debian\"; packages = [ \"nodejs\" ]; };", "x86_64", b);
    assert_string_not_equal(a, b); /* a changed package list */
    hash_of("build = { mirror = \"http://m/debian\"; packages = [ \"nodejs\", \"redis-server\", "
            "\"python3\" ]; };",
            "x86_64", b);
    assert_string_not_equal(a, b);
    hash_of(base, "aarch64", b);
    assert_string_not_equal(a, b);
    hash_of("build = { suite = \"trixie\"; mirror = \"http://m/debian\"; packages = [ \"nodejs\", "
            "\"redis-server\" ]; };",
            "x86_64", b);
    assert_string_not_equal(a, b);
    hash_of("build = { mirror = \"http://n/debian\"; packages = [ \"nodejs\", \"redis-server\" "
            "]; };",
            "x86_64", b);
    assert_string_not_equal(a, b);
}

/* Write text to a new temporary file, its name into path. */
static void temp_file(char *path, const char *text)
{
    strcpy(path, "/tmp/ctgate-template-test.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_hash_files(void **state)
{
    (void)state;
    char ca1[64];
    char ca2[64];
    char sources[64];
    char text[512];
    char h1[TEMPLATE_INPUTS_HEX];
    char h2[TEMPLATE_INPUTS_HEX];
    char h3[TEMPLATE_INPUTS_HEX];
    struct template_recipe *r = NULL;
    struct ct_error err = {0};
    temp_file(ca1, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    temp_file(ca2, "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n");
    temp_file(sources, "deb http://deb.debian.org/debian bookworm main\n");

    /* Certificates count by content, not by place or order. */
    snprintf(text, sizeof(text), "build = { ca_certificates = [ \"%s\", \"%s\" ]; };", ca1, ca2);
    assert_int_equal(recipe_from(text, &r, &err), CT_OK);
    assert_int_equal(template_recipe_hash(r, "x86_64", sources, h1, &err), CT_OK);
    template_recipe_free(r);
    snprintf(text, sizeof(text), "build = { ca_certificates = [ \"%s\", \"%s\" ]; };", ca2, ca1);
    assert_int_equal(recipe_from(text, &r, &err), CT_OK);
    assert_int_equal(template_recipe_hash(r, "x86_64", sources, h2, &err), CT_OK);
    assert_string_equal(h1, h2);
    FILE *f = fopen(ca2, "w");
    assert_non_null(f);
    fputs("-----BEGIN CERTIFICATE-----\nCCCC\n-----END CERTIFICATE-----\n", f);
    fclose(f);
    assert_int_equal(template_recipe_hash(r, "x86_64", sources, h2, &err), CT_OK);
    assert_string_not_equal(h1, h2);
    /* Without a mirror the host's sources are an input. */
    f = fopen(sources, "w");
    assert_non_null(f);
    fputs("deb http://mirror.example.org/debian bookworm main\n", f);
    fclose(f);
    assert_int_equal(template_recipe_hash(r, "x86_64", sources, h3, &err), CT_OK);
    assert_string_not_equal(h2, h3);
    unlink(ca1);
    assert_int_equal(template_recipe_hash(r, "x86_64", sources, h3, &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, ca1));
    template_recipe_free(r);
    unlink(ca2);
    unlink(sources);
}

static void test_dpkg_versions(void **state)
{
    (void)state;
    const char *status = "Package: libc6\n"
                         "Status: install ok installed\n"
                         "Architecture: amd64\n"
                         "Multi-Arch: same\n"
                         "Version: 2.36-9+deb12u10\n"
                         "Description: GNU C Library\n"
                         " continuation: Version: 9\n"
                         "\n"
                         "Package: git\n"
                         "Status: install ok installed\n"
                         "Version: 1:2.39.5-0+deb12u2\n"
                         "\n"
                         "Package: removed\n"
                         "Status: deinstall ok config-files\n"
                         "Version: 1.0\n"
                         "\n"
                         "Package: sudo\n"
                         "Status: install ok installed\n"
                         "Version: 1.9.13p3-1+deb12u1";
    json_t *v = template_dpkg_versions(status, strlen(status));
    assert_non_null(v);
    assert_int_equal(json_object_size(v), 3);
    assert_string_equal(json_string_value(json_object_get(v, "libc6:amd64")), "2.36-9+deb12u10");
    assert_string_equal(json_string_value(json_object_get(v, "git")), "1:2.39.5-0+deb12u2");
    assert_string_equal(json_string_value(json_object_get(v, "sudo")), "1.9.13p3-1+deb12u1");
    assert_null(json_object_get(v, "removed"));
    json_decref(v);
    v = template_dpkg_versions("", 0);
    assert_int_equal(json_object_size(v), 0);
    json_decref(v);
}

/* agent.conf: a template's build entry, template_cache and timeouts.build. */
static void test_config(void **state)
{
    (void)state;
    char path[64];
    struct agent_config cfg;
    struct ct_error err = {0};
    temp_file(path, "template_cache = \"/srv/cache\";\ntimeouts = { build = 900; };\n"
                    "templates = ({ name = \"a\"; image = \"a\"; },\n"
                    "{ name = \"b\"; image = \"b\"; build = { packages = [ \"nodejs\" ]; }; });\n");
    assert_int_equal(agent_config_load(path, &cfg, &err), CT_OK);
    assert_string_equal(cfg.template_cache, "/srv/cache");
    assert_int_equal(cfg.build_timeout_s, 900);
    assert_null(agent_config_template(&cfg, "a")->recipe);
    assert_non_null(agent_config_template(&cfg, "b")->recipe);
    agent_config_free(&cfg);
    unlink(path);

    temp_file(path, "templates = ({ name = \"a\"; image = \"a\"; });\n");
    assert_int_equal(agent_config_load(path, &cfg, &err), CT_OK);
    assert_string_equal(cfg.template_cache, "/var/cache/ctgate/templates");
    assert_int_equal(cfg.build_timeout_s, 1800);
    agent_config_free(&cfg);
    unlink(path);

    /* A bad recipe in the second template: named, and nothing leaks. */
    temp_file(path, "templates = ({ name = \"a\"; image = \"a\"; build = { }; },\n"
                    "{ name = \"b\"; image = \"b\"; build = { packages = [ \"Bad\" ]; }; });\n");
    assert_int_equal(agent_config_load(path, &cfg, &err), CT_ERR_CONFIG);
    assert_non_null(strstr(err.detail, "line 2"));
    unlink(path);
    temp_file(path,
              "template_cache = \"relative\";\ntemplates = ({ name = \"a\"; image = \"a\"; });\n");
    assert_int_equal(agent_config_load(path, &cfg, &err), CT_ERR_CONFIG);
    unlink(path);
}

/* A template's services: their packages join the recipe's, their units are disabled, both hashed.
 */
static void test_services(void **state)
{
    (void)state;
    const char *src = getenv("CTGATE_SOURCE_DIR");
    char shipped[4096];
    char path[64];
    char text[8192];
    struct agent_config cfg;
    struct ct_error err = {0};
    snprintf(shipped, sizeof(shipped), "%s/conf/services.conf", src != NULL ? src : ".");
    char *real = realpath(shipped, NULL);
    assert_non_null(real);
    snprintf(text, sizeof(text),
             "services_file = \"%s\";\n"
             "templates = ({ name = \"plain\"; image = \"p\"; build = { packages = [ \"nodejs\" ]; "
             "}; },\n"
             "{ name = \"both\"; image = \"b\"; services = [ \"redis\", \"postgresql\" ];\n"
             "  build = { packages = [ \"nodejs\", \"redis-server\" ]; }; },\n"
             "{ name = \"swapped\"; image = \"s\"; services = [ \"postgresql\", \"redis\" ];\n"
             "  build = { packages = [ \"nodejs\" ]; }; },\n"
             "{ name = \"one\"; image = \"o\"; services = [ \"redis\" ];\n"
             "  build = { packages = [ \"nodejs\" ]; }; },\n"
             "{ name = \"norecipe\"; image = \"n\"; services = [ \"redis\" ]; });\n",
             real);
    temp_file(path, text);
    assert_int_equal(agent_config_load(path, &cfg, &err), CT_OK);
    unlink(path);

    const struct template_recipe *plain = agent_config_template(&cfg, "plain")->recipe;
    const struct template_recipe *both = agent_config_template(&cfg, "both")->recipe;
    const struct template_recipe *swapped = agent_config_template(&cfg, "swapped")->recipe;
    const struct template_recipe *one = agent_config_template(&cfg, "one")->recipe;
    assert_int_equal(plain->nunits, 0);
    assert_null(plain->disabled_units);
    assert_int_equal(both->nunits, 2);
    assert_string_equal(both->disabled_units[0], "postgresql.service"); /* sorted */
    assert_string_equal(both->disabled_units[1], "redis-server.service");
    assert_int_equal(both->npackages, plain->npackages + 2); /* redis-server named once */
    bool has_pg = false;
    for (size_t i = 0; i < both->npackages; i++) {
        has_pg = has_pg || strcmp(both->packages[i], "postgresql") == 0;
        if (i > 0) {
            assert_true(strcmp(both->packages[i - 1], both->packages[i]) < 0); /* sorted, unique */
        }
    }
    assert_true(has_pg);
    assert_null(agent_config_template(&cfg, "norecipe")->recipe);
    assert_int_equal(agent_config_template(&cfg, "norecipe")->nservices, 1);

    char h_plain[TEMPLATE_INPUTS_HEX], h_both[TEMPLATE_INPUTS_HEX];
    char h_swapped[TEMPLATE_INPUTS_HEX], h_one[TEMPLATE_INPUTS_HEX];
    assert_int_equal(template_recipe_hash(plain, "x86_64", NULL, h_plain, &err), CT_OK);
    assert_int_equal(template_recipe_hash(both, "x86_64", NULL, h_both, &err), CT_OK);
    assert_int_equal(template_recipe_hash(swapped, "x86_64", NULL, h_swapped, &err), CT_OK);
    assert_int_equal(template_recipe_hash(one, "x86_64", NULL, h_one, &err), CT_OK);
    assert_string_equal(h_both, h_swapped); /* the order of services is irrelevant */
    assert_string_not_equal(h_plain, h_one);
    assert_string_not_equal(h_one, h_both);
    agent_config_free(&cfg);

    /* The packages alone do not make a service: the unit to disable is an input too. */
    struct template_recipe *r = NULL;
    assert_int_equal(
        recipe_from("build = { packages = [ \"nodejs\", \"redis-server\" ]; };", &r, &err), CT_OK);
    char h_pkgs[TEMPLATE_INPUTS_HEX];
    assert_int_equal(template_recipe_hash(r, "x86_64", NULL, h_pkgs, &err), CT_OK);
    assert_string_not_equal(h_pkgs, h_one);
    template_recipe_free(r);
    free(real);
}

int main(void)
{
    if (sodium_init() < 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),       cmocka_unit_test(test_recipe),
        cmocka_unit_test(test_bad_recipes), cmocka_unit_test(test_hash),
        cmocka_unit_test(test_hash_files),  cmocka_unit_test(test_dpkg_versions),
        cmocka_unit_test(test_config),      cmocka_unit_test(test_services),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
