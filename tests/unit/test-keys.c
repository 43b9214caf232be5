/*
 * Unit tests: gateway/keys/ (ctgate-keys, sshd's AuthorizedKeysCommand):
 * the checks of sshd's %u %t %k against hostile values, and the keys
 * section of gateway.conf.
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

#include "gw-config.h"
#include "keys-admit.h"
#include "keys-check.h"

#define ED_TYPE "ssh-ed25519"
#define ED_B64 "AAAAC3NzaC1lZDI1NTE5AAAAIPzX7bNNHnMg/PTz8Wg4RmmB9tiauoEc2fC/SPgHm9EX"

#define CONF_BASE                                                                                 \
    "ldap = { uri = \"ldap://127.0.0.1:1\"; base = \"dc=x\"; users_group = \"ctgate-users\"; };\n" \
    "agent = { host = \"hv1\"; };\n"                                                              \
    "create = { default_template = \"busybox\"; };\n"

static enum ct_err load(const char *text, struct gw_config *cfg, struct ct_error *err)
{
    char path[] = "/tmp/ctgate-test-keys-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    enum ct_err rc = gwconf_load(path, cfg, err);
    unlink(path);
    return rc;
}

static struct gw_config config(void)
{
    struct gw_config cfg;
    struct ct_error err = {0};
    assert_int_equal(load(CONF_BASE, &cfg, &err), CT_OK);
    return cfg;
}

static void refused(const struct gw_config *cfg, const char *account, const char *type,
                    const char *b64, const char *reason)
{
    struct pubkey key;
    const char *why = NULL;
    if (keys_check_request(cfg, account, type, b64, &key, &why)) {
        pubkey_free(&key);
        fail_msg("accepted: %s %s %.40s", account, type, b64 != NULL ? b64 : "(null)");
    }
    assert_non_null(why);
    if (strstr(why, reason) == NULL) {
        fail_msg("'%s' is not '%s'", why, reason);
    }
}

static void test_accepts(void **state)
{
    (void)state;
    struct gw_config cfg = config();
    struct pubkey key;
    const char *why = NULL;
    assert_true(keys_check_request(&cfg, "create-container", ED_TYPE, ED_B64, &key, &why));
    assert_string_equal(key.type, ED_TYPE);
    assert_string_equal(key.blob_b64, ED_B64);
    assert_string_equal(key.comment, "");
    pubkey_free(&key);
    struct keys_decision d;
    struct ct_error err = {0};
    cfg.keys_admit = GW_ADMIT_ANY_KEY; /* no directory asked */
    assert_int_equal(keys_admit(&cfg, &key, &d, &err), CT_OK);
    assert_true(d.admit);
    assert_string_equal(d.uid, "");
}

static void test_hostile(void **state)
{
    (void)state;
    struct gw_config cfg = config();
    char *big = malloc(100 * 1024 + 1);
    assert_non_null(big);
    memset(big, 'A', 100 * 1024);
    big[100 * 1024] = '\0';
    refused(&cfg, "root", ED_TYPE, ED_B64, "another account");
    refused(&cfg, "create-container2", ED_TYPE, ED_B64, "another account");
    refused(&cfg, "", ED_TYPE, ED_B64, "another account");
    refused(&cfg, NULL, ED_TYPE, ED_B64, "another account");
    refused(&cfg, "create-container", "ssh-dss", ED_B64, "type not allowed");
    refused(&cfg, "create-container", "ssh-ed25519-cert-v01@openssh.com", ED_B64,
            "type not allowed");
    refused(&cfg, "create-container", "", ED_B64, "type not allowed");
    refused(&cfg, "create-container", ED_TYPE, "", "no key");
    refused(&cfg, "create-container", ED_TYPE, NULL, "no key");
    refused(&cfg, "create-container", ED_TYPE, big, "too long");
    refused(&cfg, "create-container", ED_TYPE, "not base64!", "not base64");
    refused(&cfg, "create-container", ED_TYPE, ED_B64 " comment", "not base64");
    refused(&cfg, "create-container", ED_TYPE, "command=\"sh\" " ED_B64, "not base64");
    refused(&cfg, "create-container", ED_TYPE, ED_B64 "\n" ED_TYPE " " ED_B64, "not base64");
    refused(&cfg, "create-container", ED_TYPE, ED_B64 ED_B64, "not one key"); /* two keys in one */
    refused(&cfg, "create-container", ED_TYPE, ED_B64 "AAAA", "not one key");  /* trailing bytes */
    refused(&cfg, "create-container", ED_TYPE, ED_B64 "=", "not base64");
    refused(&cfg, "create-container", ED_TYPE, "A=AA", "not base64");
    refused(&cfg, "create-container", ED_TYPE, "AAAAAAAA", "key data");
    /* an RSA blob offered as ed25519: the embedded type decides */
    refused(&cfg, "create-container", "ssh-rsa", ED_B64, "does not match the key type");
    /* only the types configured */
    cfg.keys_ntypes = 1;
    strcpy(cfg.keys_types[0], "ssh-rsa");
    refused(&cfg, "create-container", ED_TYPE, ED_B64, "type not allowed");
    free(big);
}

static void test_loggable(void **state)
{
    (void)state;
    assert_string_equal(keys_loggable("create-container"), "create-container");
    assert_string_equal(keys_loggable("sk-ssh-ed25519@openssh.com"), "sk-ssh-ed25519@openssh.com");
    assert_string_equal(keys_loggable("a b"), "(invalid)");
    assert_string_equal(keys_loggable("x\n"), "(invalid)");
    assert_string_equal(keys_loggable(""), "(invalid)");
    assert_string_equal(keys_loggable(NULL), "(none)");
    char longer[100];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    assert_string_equal(keys_loggable(longer), "(invalid)");
}

static void test_config(void **state)
{
    (void)state;
    struct gw_config cfg;
    struct ct_error err = {0};
    cfg = config();
    assert_int_equal(cfg.keys_admit, GW_ADMIT_LDAP_KEYS); /* the safe default */
    assert_string_equal(cfg.keys_account, "create-container");
    assert_int_equal(cfg.keys_timeout_s, 5);
    assert_int_equal(cfg.keys_ntypes, 7);
    assert_int_equal(load(CONF_BASE "keys = { admit = \"any-key\"; account = \"gw\"; "
                                    "types = [ \"ssh-ed25519\" ]; timeout = 3; };\n",
                          &cfg, &err),
                     CT_OK);
    assert_int_equal(cfg.keys_admit, GW_ADMIT_ANY_KEY);
    assert_string_equal(cfg.keys_account, "gw");
    assert_int_equal(cfg.keys_ntypes, 1);
    assert_string_equal(cfg.keys_types[0], "ssh-ed25519");
    assert_int_equal(cfg.keys_timeout_s, 3);
    static const char *const bad[] = {
        "keys = { admit = \"everyone\"; };",
        "keys = { types = [ \"ssh-dss\" ]; };",
        "keys = { types = [ ]; };",
        "keys = { types = \"ssh-ed25519\"; };",
        "keys = { timeout = 0; };",
        "keys = { timeout = 61; };",
        "keys = { account = \"Root Account\"; };",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[1024];
        snprintf(text, sizeof(text), "%s%s\n", CONF_BASE, bad[i]);
        if (load(text, &cfg, &err) != CT_ERR_CONFIG) {
            fail_msg("accepted: %s", bad[i]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_loggable),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
