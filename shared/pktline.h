/*
 * pktline.h - read a git smart-HTTP ref advertisement: the body of
 * `GET URL/info/refs?service=git-upload-pack` (git's
 * Documentation/gitprotocol-http.adoc and gitprotocol-pack.adoc).
 *
 * The body is pkt-lines: 4 hex digits giving the length of the line
 * including those 4 bytes, then the payload; "0000" is a flush.  It may
 * start with "# service=git-upload-pack" and a flush (git's http-backend
 * writes it, some servers do not), then, for protocol v0/v1, one line per
 * ref, "<oid> <refname>", the first with the capabilities after a NUL; a
 * flush ends the list.  "symref=HEAD:refs/heads/NAME" among the
 * capabilities names the default branch.  An empty repository advertises
 * "<zeros> capabilities^{}".  A protocol v2 answer ("version 2") is
 * recognised and reported, never read further.
 *
 * pktline_parse_refs() never reads past len, never allocates and keeps at
 * most GIT_REFS_NAMES_MAX branch names (for messages); every branch is
 * counted.  struct git_refs borrows data: git_refs_has_branch() reads it
 * again, so data must outlive the struct.  No state; thread-safe.
 */
#ifndef CTGATE_PKTLINE_H
#define CTGATE_PKTLINE_H

#include <stdbool.h>
#include <stddef.h>

#define PKTLINE_MAX 65520       /* git's LARGE_PACKET_MAX: a longer line is refused */
#define GIT_REFS_NAMES_MAX 10   /* branch names kept for a message */
#define GIT_BRANCH_NAME_MAX 255 /* a longer name is counted, never kept */

enum pktline_result {
    PKTLINE_REFS,  /* a v0/v1 ref advertisement with at least one ref */
    PKTLINE_EMPTY, /* the advertisement of an empty repository */
    PKTLINE_V2,    /* a protocol v2 capability advertisement: not understood here */
    PKTLINE_BAD    /* not pkt-lines, a bad length or oid, truncated, or trailing bytes */
};

struct git_refs {
    const char *data; /* borrowed: the body parsed */
    size_t len;
    size_t refs_at; /* offset of the first ref line in data */
    /* HEAD's target without "refs/heads/"; "" when HEAD is not a symref to a branch */
    char default_branch[GIT_BRANCH_NAME_MAX + 1];
    char names[GIT_REFS_NAMES_MAX][GIT_BRANCH_NAME_MAX + 1]; /* the first branches, in order */
    size_t nnames;
    size_t nbranches; /* every refs/heads/ ref advertised */
};

/* Parse data[0..len) into out (zeroed first); out is usable only for PKTLINE_REFS. */
enum pktline_result pktline_parse_refs(const char *data, size_t len, struct git_refs *out);
/* Whether refs/heads/<name> is advertised (refs from PKTLINE_REFS, data still alive). */
bool git_refs_has_branch(const struct git_refs *refs, const char *name);

#endif
