/* Unit tests: shared/pubkey.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
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

/* A comment cut at PUBKEY_COMMENT_MAX bytes ends on a whole UTF-8 character. */
static void test_comment_cut_utf8(void **state)
{
    (void)state;
    /* "é" (2 bytes), "€" (3), "😀" (4): each placed so the limit falls inside it */
    const char *chars[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
    for (size_t c = 0; c < 3; c++) {
        size_t clen = strlen(chars[c]);
        for (size_t inside = 1; inside < clen; inside++) {
            char line[1024];
            struct pubkey k;
            size_t pad = PUBKEY_COMMENT_MAX - inside; /* the limit falls after `inside` bytes */
            int n = snprintf(line, sizeof(line), "%s ", ED_KEY);
            memset(line + n, 'x', pad);
            snprintf(line + n + pad, sizeof(line) - (size_t)n - pad, "%s%s", chars[c], chars[c]);
            assert_true(pubkey_parse(line, strlen(line), &k, NULL));
            assert_int_equal(strlen(k.comment), pad); /* the half character is gone */
            pubkey_free(&k);
        }
        /* a character that fits exactly stays */
        char line[1024];
        struct pubkey k;
        size_t pad = PUBKEY_COMMENT_MAX - clen;
        int n = snprintf(line, sizeof(line), "%s ", ED_KEY);
        memset(line + n, 'x', pad);
        snprintf(line + n + pad, sizeof(line) - (size_t)n - pad, "%s%s", chars[c], chars[c]);
        assert_true(pubkey_parse(line, strlen(line), &k, NULL));
        assert_int_equal(strlen(k.comment), PUBKEY_COMMENT_MAX);
        assert_memory_equal(k.comment + pad, chars[c], clen);
        pubkey_free(&k);
    }
    /* whole multi-byte characters under the limit are kept as they are */
    struct pubkey k;
    const char *line = ED_KEY " caf\xc3\xa9 \xe2\x82\xac";
    assert_true(pubkey_parse(line, strlen(line), &k, NULL));
    assert_string_equal(k.comment, "caf\xc3\xa9 \xe2\x82\xac");
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
        cmocka_unit_test(test_comment_cut_utf8),
        cmocka_unit_test(test_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
