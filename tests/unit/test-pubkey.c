/* Unit tests: shared/pubkey.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "pubkey.h"

/* A real ed25519 public key (generated for these tests, private half discarded). */
#define ED_BLOB "AAAAC3NzaC1lZDI1NTE5AAAAIDi0XCGbEeTKEzfa40Jov2YHy+DldtmXk+ONPgKoiLth"
#define ED_KEY "ssh-ed25519 " ED_BLOB

static bool parses(const char *line)
{
    struct pubkey k;
    bool ok = pubkey_parse(line, strlen(line), &k, NULL);
    if (ok) {
        pubkey_free(&k);
    }
    return ok;
}

static void test_accepts(void **state)
{
    (void)state;
    struct pubkey k;
    const char *why = NULL;
    assert_true(pubkey_parse(ED_KEY " alice@host\n", strlen(ED_KEY " alice@host\n"), &k, &why));
    assert_string_equal(k.type, "ssh-ed25519");
    assert_string_equal(k.comment, "alice@host");
    assert_string_equal(k.blob_b64, ED_BLOB);
    char line[512];
    assert_true(pubkey_format(&k, line, sizeof(line)));
    assert_string_equal(line, ED_KEY " alice@host");
    char fp[PUBKEY_FINGERPRINT_LEN];
    pubkey_fingerprint(&k, fp);
    assert_int_equal(strncmp(fp, "SHA256:", 7), 0);
    assert_int_equal(strlen(fp), 50);
    pubkey_free(&k);
    assert_true(parses(ED_KEY));
    assert_true(parses("  " ED_KEY "   "));
}

static void test_rejects(void **state)
{
    (void)state;
    assert_false(parses(""));
    assert_false(parses("ssh-ed25519"));
    assert_false(parses("command=\"id\" " ED_KEY));
    assert_false(parses("restrict " ED_KEY));
    assert_false(parses("ssh-dss " ED_BLOB));
    assert_false(parses("ssh-rsa " ED_BLOB)); /* blob says ed25519 */
    assert_false(parses("ssh-ed25519 !!!!"));
    assert_false(parses("ssh-ed25519 AAAA"));
    assert_false(parses("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5")); /* type only, no key */
    assert_false(parses(ED_KEY "\n" ED_KEY));
    assert_false(parses(ED_KEY "\rx"));
    const char nul[] = ED_KEY "\0 x";
    struct pubkey k;
    assert_false(pubkey_parse(nul, sizeof(nul) - 1, &k, NULL));
}

static void test_comment_cleaned(void **state)
{
    (void)state;
    struct pubkey k;
    const char *line = ED_KEY " a\x1b[31mb\tc\x7f";
    assert_true(pubkey_parse(line, strlen(line), &k, NULL));
    assert_string_equal(k.comment, "a[31mbc");
    pubkey_free(&k);
}

static void test_equal(void **state)
{
    (void)state;
    struct pubkey a;
    struct pubkey b;
    assert_true(pubkey_parse(ED_KEY " one", strlen(ED_KEY " one"), &a, NULL));
    assert_true(pubkey_parse(ED_KEY " two", strlen(ED_KEY " two"), &b, NULL));
    assert_true(pubkey_equal(&a, &b));
    pubkey_free(&a);
    pubkey_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_comment_cleaned),
        cmocka_unit_test(test_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
