/* pktline.c - see pktline.h. */
#include "pktline.h"

#include <string.h>

#define HEADS "refs/heads/"
#define HEADS_LEN (sizeof(HEADS) - 1)

enum pkt {
    PKT_DATA,  /* a line: payload and its length, one trailing LF dropped */
    PKT_FLUSH, /* "0000" */
    PKT_END,   /* no bytes left */
    PKT_BAD    /* a bad length or a line longer than what is left */
};

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* The pkt-line at *pos; *pos moves past it. */
static enum pkt next_pkt(const char *data, size_t len, size_t *pos, const char **payload,
                         size_t *plen)
{
    size_t n = 0;
    if (*pos == len) {
        return PKT_END;
    }
    if (len - *pos < 4) {
        return PKT_BAD;
    }
    for (size_t i = 0; i < 4; i++) {
        int v = hex_value(data[*pos + i]);
        if (v < 0) {
            return PKT_BAD;
        }
        n = n * 16 + (size_t)v;
    }
    if (n == 0) {
        *pos += 4;
        return PKT_FLUSH;
    }
    /* 0001-0003 are v2's delimiters (never in a v0 list); 0004 is an empty line nobody sends */
    if (n <= 4 || n > PKTLINE_MAX || n > len - *pos) {
        return PKT_BAD;
    }
    *payload = data + *pos + 4;
    *plen = n - 4;
    if ((*payload)[*plen - 1] == '\n') {
        (*plen)--;
    }
    *pos += n;
    return PKT_DATA;
}

static bool equals(const char *p, size_t n, const char *text)
{
    return n == strlen(text) && memcmp(p, text, n) == 0;
}

static bool starts_with(const char *p, size_t n, const char *prefix)
{
    size_t pl = strlen(prefix);
    return n >= pl && memcmp(p, prefix, pl) == 0;
}

/* Printable ASCII without spaces: what a ref name or a capability may hold here. */
static bool is_word(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= ' ' || c >= 0x7f) {
            return false;
        }
    }
    return n > 0;
}

/* "<oid> <refname>" (before any NUL): the name's place, or false when it is not a ref line. */
static bool ref_line(const char *p, size_t n, const char **name, size_t *namelen)
{
    const char *sp = memchr(p, ' ', n);
    if (sp == NULL) {
        return false;
    }
    size_t oid = (size_t)(sp - p);
    if (oid != 40 && oid != 64) { /* sha1 or sha256 */
        return false;
    }
    for (size_t i = 0; i < oid; i++) {
        if (hex_value(p[i]) < 0) {
            return false;
        }
    }
    *name = sp + 1;
    *namelen = n - oid - 1;
    return is_word(*name, *namelen);
}

/* The first ref line's capabilities: "symref=HEAD:refs/heads/NAME" is the default branch. */
static void read_capabilities(const char *p, size_t n, struct git_refs *out)
{
    static const char head[] = "symref=HEAD:" HEADS;
    size_t i = 0;
    while (i < n) {
        const char *word = p + i;
        const char *sp = memchr(word, ' ', n - i);
        size_t wl = sp != NULL ? (size_t)(sp - word) : n - i;
        size_t bl = wl - (sizeof(head) - 1);
        if (starts_with(word, wl, head) && bl > 0 && bl <= GIT_BRANCH_NAME_MAX &&
            is_word(word + sizeof(head) - 1, bl)) {
            memcpy(out->default_branch, word + sizeof(head) - 1, bl);
            out->default_branch[bl] = '\0';
        }
        i += wl + 1;
    }
}

/* A ref of the list: count and keep branches. */
static void add_ref(const char *name, size_t n, struct git_refs *out)
{
    if (!starts_with(name, n, HEADS) || n == HEADS_LEN ||
        (n >= 3 && equals(name + n - 3, 3, "^{}"))) {
        return;
    }
    out->nbranches++;
    size_t bl = n - HEADS_LEN;
    if (out->nnames < GIT_REFS_NAMES_MAX && bl <= GIT_BRANCH_NAME_MAX) {
        memcpy(out->names[out->nnames], name + HEADS_LEN, bl);
        out->names[out->nnames][bl] = '\0';
        out->nnames++;
    }
}

enum pktline_result pktline_parse_refs(const char *data, size_t len, struct git_refs *out)
{
    const char *p = NULL;
    size_t n = 0;
    size_t pos = 0;
    memset(out, 0, sizeof(*out));
    out->data = data;
    out->len = len;

    enum pkt k = next_pkt(data, len, &pos, &p, &n);
    if (k == PKT_DATA && starts_with(p, n, "# service=")) {
        if (!equals(p, n, "# service=git-upload-pack")) {
            return PKTLINE_BAD;
        }
        while ((k = next_pkt(data, len, &pos, &p, &n)) == PKT_DATA) {
            /* git's remote-curl skips whatever else comes before the flush */
        }
        if (k != PKT_FLUSH) {
            return PKTLINE_BAD;
        }
        k = next_pkt(data, len, &pos, &p, &n);
    }
    if (k == PKT_DATA && equals(p, n, "version 2")) {
        return PKTLINE_V2;
    }
    if (k == PKT_DATA && equals(p, n, "version 1")) {
        k = next_pkt(data, len, &pos, &p, &n); /* v1 is v0 with this line first */
    }
    if (k != PKT_DATA) {
        return PKTLINE_BAD;
    }
    out->refs_at = (size_t)(p - data) - 4;
    bool empty = false;
    size_t nrefs = 0;
    for (bool first = true; k == PKT_DATA; first = false) {
        const char *nul = memchr(p, '\0', n);
        size_t line = nul != NULL ? (size_t)(nul - p) : n;
        const char *name = NULL;
        size_t namelen = 0;
        if (!ref_line(p, line, &name, &namelen)) {
            return PKTLINE_BAD;
        }
        if (first && nul != NULL) {
            read_capabilities(nul + 1, n - line - 1, out);
        }
        if (first && equals(name, namelen, "capabilities^{}")) {
            empty = true;
        } else {
            nrefs++;
            add_ref(name, namelen, out);
        }
        k = next_pkt(data, len, &pos, &p, &n);
    }
    if (k != PKT_FLUSH || pos != len || (empty && nrefs > 0)) {
        return PKTLINE_BAD;
    }
    return empty ? PKTLINE_EMPTY : PKTLINE_REFS;
}

bool git_refs_has_branch(const struct git_refs *refs, const char *name)
{
    const char *p = NULL;
    size_t n = 0;
    size_t pos = refs->refs_at;
    size_t want = strlen(name);
    if (refs->data == NULL || want == 0) {
        return false;
    }
    while (next_pkt(refs->data, refs->len, &pos, &p, &n) == PKT_DATA) {
        const char *nul = memchr(p, '\0', n);
        size_t line = nul != NULL ? (size_t)(nul - p) : n;
        const char *ref = NULL;
        size_t reflen = 0;
        if (ref_line(p, line, &ref, &reflen) && reflen == HEADS_LEN + want &&
            starts_with(ref, reflen, HEADS) && memcmp(ref + HEADS_LEN, name, want) == 0) {
            return true;
        }
    }
    return false;
}
