/* Unit tests: hypervisor-agent/identity/identity.c, `directory`, a template's LDAP client, sssd.conf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-config.h"
#include "identity.h"

#define DIR_OK                                                                                     \
    "admin_group = \"staff\";\n"                                                                   \
    "directory = { uri = \"ldaps://10.0.0.1:636/\"; base = \"ou=people,dc=x\";\n"                  \
    "  group_base = \"ou=groups,dc=x\"; ca_file = \"/etc/ctgate/ca.crt\"; };\n"
#define TMPL(extra) "templates = ({ name = \"d\"; image = \"i\"; " extra " });\n"

static enum ct_err load_config(const char *text, struct agent_config *cfg, struct ct_error *err)
{
    char path[] = "/tmp/ctgate-identity-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    enum ct_err rc = agent_config_load(path, cfg, err);
    unlink(path);
    return rc;
}

static enum ct_err load_text(const char *text, struct ct_error *err)
{
    struct agent_config cfg;
    enum ct_err rc = load_config(text, &cfg, err);
    if (rc == CT_OK) {
        agent_config_free(&cfg);
    }
    return rc;
}

static void test_load(void **state)
{
    (void)state;
    struct agent_config cfg;
    struct ct_error err = {0};
    assert_int_equal(load_config(DIR_OK TMPL("ldap_client = \"sssd\"; login_groups = [\"team\", "
                                             "\"tutors\"];"),
                                 &cfg, &err),
                     CT_OK);
    assert_true(cfg.directory.enabled);
    assert_string_equal(cfg.directory.uri, "ldaps://10.0.0.1:636/");
    assert_string_equal(cfg.directory.group_base, "ou=groups,dc=x");
    const struct template_def *t = agent_config_template(&cfg, "d");
    assert_int_equal(t->ldap_client, TEMPLATE_LDAP_SSSD);
    assert_int_equal(t->nlogin_groups, 2);
    assert_string_equal(t->login_groups[1], "tutors");
    agent_config_free(&cfg);

    /* No directory, no client: the default; group_base defaults to base. */
    assert_int_equal(load_config(TMPL(""), &cfg, &err), CT_OK);
    assert_false(cfg.directory.enabled);
    assert_int_equal(cfg.templates[0].ldap_client, TEMPLATE_LDAP_NONE);
    agent_config_free(&cfg);
    assert_int_equal(load_config("directory = { uri = \"ldap://h\"; base = \"dc=x\"; ca_file = "
                                 "\"/ca\"; };\n" TMPL("ldap_client = \"none\";"),
                                 &cfg, &err),
                     CT_OK);
    assert_string_equal(cfg.directory.group_base, "dc=x");
    agent_config_free(&cfg);
}

static void test_bad(void **state)
{
    (void)state;
    struct ct_error err = {0};
    static const struct {
        const char *text;
        const char *why;
    } cases[] = {
        {TMPL("ldap_client = \"sssd\";"), "needs a directory"},
        {DIR_OK TMPL("ldap_client = \"nslcd\";"), "ldap_client must be"},
        {DIR_OK TMPL("login_groups = [\"team\"];"), "needs an ldap_client"},
        {DIR_OK TMPL("ldap_client = \"sssd\"; login_groups = [\"Team Space\"];"), "not a group"},
        {DIR_OK TMPL("ldap_client = \"sssd\"; login_groups = [\"a\",\"b\",\"c\",\"d\",\"e\","
                     "\"f\",\"g\",\"h\",\"i\"];"),
         "at most 8"},
        {"directory = { uri = \"http://h\"; base = \"dc=x\"; ca_file = \"/ca\"; };" TMPL(""),
         "'uri' is not valid"},
        {"directory = { uri = \"ldaps://h\\nx = 1\"; base = \"dc=x\"; ca_file = \"/ca\"; };" TMPL(""),
         "'uri' is not valid"},
        {"directory = { uri = \"ldaps://h, ldap://evil\"; base = \"dc=x\"; ca_file = \"/ca\"; };" TMPL(""),
         "'uri' is not valid"},
        {"directory = { uri = \"ldaps://h\"; base = \"dc=x\\nid_provider = files\"; ca_file = "
         "\"/ca\"; };" TMPL(""),
         "'base' is not valid"},
        {"directory = { uri = \"ldaps://h\"; base = \"dc=x\"; ca_file = \"ca.crt\"; };" TMPL(""),
         "'ca_file' is not valid"},
        {"directory = { uri = \"ldaps://h\"; ca_file = \"/ca\"; };" TMPL(""), "missing 'base'"},
        {"directory = \"ldaps://h\";" TMPL(""), "must be a group"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&err, 0, sizeof(err));
        assert_int_equal(load_text(cases[i].text, &err), CT_ERR_CONFIG);
        if (strstr(err.detail, cases[i].why) == NULL) {
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err.detail, cases[i].why);
        }
    }
}

static void test_render(void **state)
{
    (void)state;
    struct agent_config cfg;
    struct ct_error err = {0};
    struct buf out;
    assert_int_equal(load_config(DIR_OK TMPL("ldap_client = \"sssd\"; login_groups = [\"team\"];"),
                                 &cfg, &err),
                     CT_OK);
    buf_init(&out, 16384);
    assert_int_equal(identity_render_sssd(&cfg, &cfg.templates[0], "alice", &out, &err), CT_OK);
    assert_non_null(out.data);
    assert_non_null(strstr(out.data, "\nldap_uri = ldaps://10.0.0.1:636/\n"));
    assert_null(strstr(out.data, "start_tls")); /* ldaps: TLS from the start */
    assert_non_null(strstr(out.data, "\nldap_tls_reqcert = demand\n"));
    assert_non_null(strstr(out.data, "\nldap_tls_cacert = " IDENTITY_CA_FILE "\n"));
    assert_non_null(strstr(out.data, "\nsimple_allow_users = alice\n"));
    assert_non_null(strstr(out.data, "\nsimple_allow_groups = staff, team\n"));
    assert_non_null(strstr(out.data, "\naccess_provider = simple\n"));
    assert_non_null(strstr(out.data, "\ncache_credentials = false\n"));
    assert_non_null(strstr(out.data, "\nldap_group_search_base = ou=groups,dc=x\n"));
    /* A name that is not a uid is never written. */
    buf_free(&out);
    buf_init(&out, 16384);
    assert_int_equal(identity_render_sssd(&cfg, &cfg.templates[0], "al\nice", &out, &err),
                     CT_ERR_INTERNAL);
    buf_free(&out);
    agent_config_free(&cfg);

    /* ldap:// means StartTLS, required; no admin group and no login groups: the owner only. */
    assert_int_equal(load_config("directory = { uri = \"ldap://h:389\"; base = \"dc=x\"; ca_file = "
                                 "\"/ca\"; };\n" TMPL("ldap_client = \"sssd\";"),
                                 &cfg, &err),
                     CT_OK);
    buf_init(&out, 16384);
    assert_int_equal(identity_render_sssd(&cfg, &cfg.templates[0], "bob", &out, &err), CT_OK);
    assert_non_null(strstr(out.data, "\nldap_id_use_start_tls = true\n"));
    assert_null(strstr(out.data, "simple_allow_groups"));
    assert_non_null(strstr(out.data, "\nsimple_allow_users = bob\n"));
    buf_free(&out);
    agent_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
