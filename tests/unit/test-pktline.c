/*
 * Unit tests: shared/pktline.c (the ref advertisement of git smart HTTP).
 * The answers are built as servers write them: git's http-backend and
 * GitHub (with "# service=" and a flush), servers that leave that out,
 * an empty repository, protocol v2, and broken or cut answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "pktline.h"

#define OID1 "8c1f4b3e0d5a6f7e8d9c0b1a2f3e4d5c6b7a8091"
#define OID2 "1111111111111111111111111111111111111111"
#define ZEROS "0000000000000000000000000000000000000000"
#define CAPS                                                                                       \
    "multi_ack thin-pack side-band side-band-64k ofs-delta shallow deepen-since deepen-not "       \
    "deepen-relative no-progress include-tag multi_ack_detailed allow-tip-sha1-in-want "           \
    "allow-reachable-sha1-in-want no-done symref=HEAD:refs/heads/main filter "                     \
    "object-format=sha1 agent=git/github-6b1a1b3c1e5d"

struct answer {
    char data[1 << 16];
    size_t len;
};

/* One pkt-line: its payload (len bytes, NULs allowed) after the 4 hex digits. */
static void pkt_n(struct answer *a, const char *payload, size_t len)
{
    assert_true(a->len + len + 4 < sizeof(a->data));
    char head[5];
    snprintf(head, sizeof(head), "%04zx", len + 4);
    memcpy(a->data + a->len, head, 4);
    memcpy(a->data + a->len + 4, payload, len);
    a->len += len + 4;
}

static void pkt(struct answer *a, const char *payload)
{
    pkt_n(a, payload, strlen(payload));
}

static void flush(struct answer *a)
{
    memcpy(a->data + a->len, "0000", 4);
    a->len += 4;
}

/* "<oid> <ref>\0<caps>\n" */
static void first_ref(struct answer *a, const char *oid, const char *ref, const char *caps)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "%s %s%c%s\n", oid, ref, '\0', caps);
    pkt_n(a, line, (size_t)n);
}

static void ref(struct answer *a, const char *oid, const char *name)
{
    char line[512];
    snprintf(line, sizeof(line), "%s %s\n", oid, name);
    pkt(a, line);
}

/* What GitHub answers for a repository with main, dev and a tag. */
static void github(struct answer *a, bool service_line)
{
    memset(a, 0, sizeof(*a));
    if (service_line) {
        pkt(a, "# service=git-upload-pack\n");
        flush(a);
    }
    first_ref(a, OID1, "HEAD", CAPS);
    ref(a, OID2, "refs/heads/dev");
    ref(a, OID1, "refs/heads/main");
    ref(a, OID2, "refs/pull/1/head");
    ref(a, OID2, "refs/tags/v1.0");
    ref(a, OID1, "refs/tags/v1.0^{}");
    flush(a);
}

static void test_with_service_line(void **state)
{
    (void)state;
    static struct answer a;
    struct git_refs r;
    github(&a, true);
    /* the start exactly as on the wire */
    assert_memory_equal(a.data, "001e# service=git-upload-pack\n0000", 34);
    assert_int_equal(pktline_parse_refs(a.data, a.len, &r), PKTLINE_REFS);
    assert_string_equal(r.default_branch, "main");
    assert_int_equal(r.nbranches, 2);
    assert_int_equal(r.nnames, 2);
    assert_string_equal(r.names[0], "dev");
    assert_string_equal(r.names[1], "main");
    assert_true(git_refs_has_branch(&r, "main"));
    assert_true(git_refs_has_branch(&r, "dev"));
    assert_false(git_refs_has_branch(&r, "ma"));
    assert_false(git_refs_has_branch(&r, "mainx"));
    assert_false(git_refs_has_branch(&r, "v1.0"));
    assert_false(git_refs_has_branch(&r, "HEAD"));
    assert_false(git_refs_has_branch(&r, ""));
}

static void test_without_service_line(void **state)
{
    (void)state;
    static struct answer a;
    struct git_refs r;
    github(&a, false);
    assert_int_equal(pktline_parse_refs(a.data, a.len, &r), PKTLINE_REFS);
    assert_string_equal(r.default_branch, "main");
    assert_true(git_refs_has_branch(&r, "dev"));
    /* a literal answer, lengths counted by hand */
    static const char lit[] = "004f" OID1 " HEAD\0symref=HEAD:refs/heads/trunk\n"
                              "003e" OID1 " refs/heads/trunk\n"
                              "0000";
    assert_int_equal(pktline_parse_refs(lit, sizeof(lit) - 1, &r), PKTLINE_REFS);
    assert_string_equal(r.default_branch, "trunk");
    assert_true(git_refs_has_branch(&r, "trunk"));
}

static void test_empty_repository(void **state)
{
    (void)state;
    static struct answer a;
    struct git_refs r;
    memset(&a, 0, sizeof(a));
    pkt(&a, "# service=git-upload-pack\n");
    flush(&a);
    first_ref(&a, ZEROS, "capabilities^{}",
              "multi_ack thin-pack side-band side-band-64k ofs-delta shallow no-progress "
              "include-tag object-format=sha1 agent=git/2.39.2");
    flush(&a);
    assert_int_equal(pktline_parse_refs(a.data, a.len, &r), PKTLINE_EMPTY);
    /* the marker followed by a ref is no answer git gives */
    a.len -= 4;
    ref(&a, OID1, "refs/heads/main");
    flush(&a);
    assert_int_equal(pktline_parse_refs(a.data, a.len, &r), PKTLINE_BAD);
}

static void test_default_branch(void **state)
{
    (void)state;
    static struct answer a;
    struct git_refs r;
    /* symref to another branch, among other symrefs */
    memset(&a, 0, sizeof(a));
    first_ref(&a, OID1, "HEAD",
              "symref=refs/remotes/x:refs/heads/y symref=HEAD:refs/heads/release/2.x agent=x");
    ref(&a, OID1, "refs/heads/release/2.x");
    flush(&a);
    assert_int_equal(pktline_parse_refs(a.data, a.len, &r), PKTLINE_REFS);
    assert_string_equal(r.default_branch, "release/2.x");
    assert_true(git_refs_has_branch(&r, "release/2.x"));
    /* a detached HEAD: no default */
    memset(&a, 0, sizeof(a));
    first_ref(&a, OID1, "HEAD", "multi_ack agent=x");
    ref(&a, OID1, "refs/heads/main");
    flush(&a);
    assert_int_equal(pktline_parse_refs(a.data, a.len, &r), PKTLINE_REFS);
    assert_string_equal(r.default_branch, "");
    /* no HEAD line at all, capabilities on the first branch */
    memset(&a, 0, sizeof(a));
    first_ref(&a, OID1, "refs/heads/only", "symref=HEAD:refs/heads/only");
    flush(&a);
    assert_int_equal(pktline_parse_refs(a.data, a.len, &r), PKTLINE_REFS);
    assert_string_equal(r.default_branch, "only");
    assert_int_equal(r.nbranches, 1);
    /* sha256 object names, and the "version 1" line */
    memset(&a, 0, sizeof(a));
    pkt(&a, "version 1\n");
    first_ref(&a, OID1 "abcdef012345678901234567", "HEAD", "symref=HEAD:refs/heads/main");
    ref(&a, OID1 "abcdef012345678901234567", "refs/heads/main");
    flush(&a);
    assert_int_equal(pktline_parse_refs(a.data, a.len, &r), PKTLINE_REFS);
    assert_true(git_refs_has_branch(&r, "main"));
}

static void test_many_branches(void **state)
{
    (void)state;
    static struct answer a;
    struct git_refs r;
    memset(&a, 0, sizeof(a));
    pkt(&a, "# service=git-upload-pack\n");
    flush(&a);
    first_ref(&a, OID1, "HEAD", "symref=HEAD:refs/heads/b000");
    for (int i = 0; i < 300; i++) {
        char name[64];
        snprintf(name, sizeof(name), "refs/heads/b%03d", i);
        ref(&a, OID1, name);
    }
    char longname[400] = "refs/heads/";
    memset(longname + 11, 'x', 300); /* advertised, counted, too long to keep */
    ref(&a, OID1, longname);
    flush(&a);
    assert_int_equal(pktline_parse_refs(a.data, a.len, &r), PKTLINE_REFS);
    assert_int_equal(r.nbranches, 301);
    assert_int_equal(r.nnames, GIT_REFS_NAMES_MAX);
    assert_string_equal(r.names[9], "b009");
    assert_true(git_refs_has_branch(&r, "b299"));
    assert_true(git_refs_has_branch(&r, longname + 11));
    assert_false(git_refs_has_branch(&r, "b300"));
}

static void test_version_2(void **state)
{
    (void)state;
    static const char with[] = "001e# service=git-upload-pack\n0000"
                               "000eversion 2\n0013agent=git/2.39\n0013ls-refs=unborn\n"
                               "0017object-format=sha1\n0000";
    struct git_refs r;
    assert_int_equal(pktline_parse_refs(with, sizeof(with) - 1, &r), PKTLINE_V2);
    assert_int_equal(pktline_parse_refs(with + 34, sizeof(with) - 35, &r), PKTLINE_V2);
}

static void test_cut_anywhere(void **state)
{
    (void)state;
    static struct answer a;
    struct git_refs r;
    github(&a, true);
    for (size_t n = 0; n < a.len; n++) {
        if (pktline_parse_refs(a.data, n, &r) != PKTLINE_BAD) {
            fail_msg("an answer cut at %zu of %zu bytes was taken", n, a.len);
        }
    }
    assert_int_equal(pktline_parse_refs(a.data, a.len, &r), PKTLINE_REFS);
}

static void expect_bad(const char *text, size_t len)
{
    struct git_refs r;
    if (pktline_parse_refs(text, len, &r) != PKTLINE_BAD) {
        fail_msg("taken: '%.*s'", (int)len, text);
    }
}

#define BAD(lit) expect_bad(lit, sizeof(lit) - 1)

static void test_garbage(void **state)
{
    (void)state;
    BAD("");
    BAD("0000");
    BAD("<!DOCTYPE html><html>");
    BAD("zzzz" OID1 " HEAD\n0000");
    BAD("001e# service=git-upload-pack\n");      /* no flush after it */
    BAD("001e# service=git-upload-pack\n0000");  /* and then nothing */
    BAD("001f# service=git-receive-pack\n0000"); /* another service */
    BAD("0001");                                 /* v2's delimiter */
    BAD("0004");                                 /* an empty line */
    BAD("ffff" OID1 " HEAD\n0000");              /* longer than the answer */
    BAD("0031" OID1 " HEAD\n0000");              /* one byte short: no flush follows */
    BAD("0031"
        "8c1f4b3e0d5a6f7e8d9c0b1a2f3e4d5c6b7a809"
        " HEAD\n0000"); /* a 39-digit oid */
    BAD("0032"
        "8c1f4b3e0d5a6f7e8d9c0b1a2f3e4d5c6b7a809g"
        " HEAD\n0000");                            /* not hex */
    BAD("0032" OID1 "  HEAD\n0000");               /* an empty name */
    BAD("0032" OID1 " HEAD\n0000junk");            /* bytes after the end */
    BAD("0032" OID1 " HE D\n0000");                /* a space in a name */
    BAD("0030" OID1 "HEAD\n0000");                 /* no space */
    BAD("0032" OID1 " HEAD\n0032" OID1 " HEAD\n"); /* no final flush */
    /* hex digits in upper case are lengths git reads too */
    struct git_refs r;
    static const char upper[] = "003E" OID1 " refs/heads/trunk\n0000";
    assert_int_equal(pktline_parse_refs(upper, sizeof(upper) - 1, &r), PKTLINE_REFS);
    /* a line longer than git's maximum */
    static char big[PKTLINE_MAX + 16];
    memset(big, 'a', sizeof(big));
    memcpy(big, "fff5", 4);
    expect_bad(big, sizeof(big));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_with_service_line), cmocka_unit_test(test_without_service_line),
        cmocka_unit_test(test_empty_repository),  cmocka_unit_test(test_default_branch),
        cmocka_unit_test(test_many_branches),     cmocka_unit_test(test_version_2),
        cmocka_unit_test(test_cut_anywhere),      cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
