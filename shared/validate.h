/*
 * validate.h - validators for every value that crosses a trust boundary.
 *
 * Each takes a NUL-terminated string and answers true only when the whole
 * value matches its rule, including its length limit.  They never allocate
 * and are safe to call from any thread.
 */
#ifndef CTGATE_VALIDATE_H
#define CTGATE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#define CT_HOSTNAME_MAX 63
#define CT_UID_MAX 32
#define CT_TEMPLATE_MAX 32
#define CT_REQUEST_ID_MAX 64
#define CT_FINGERPRINT_MAX 80
#define CT_CLIENT_MAX 64
#define CT_GROUP_MAX 64
/* Bounds of a create's size, the same at the gateway (for people) and the agent (the rule). */
#define CT_SIZE_NAME_MAX 32
#define CT_CPU_MAX 1024
#define CT_MEMORY_MIN_MIB 32
#define CT_DISK_MIN_MIB 256
/* A container's description (create --description): bytes, not characters. */
#define CT_DESCRIPTION_MAX 200
/* A snapshot's name (snapshot NAME SNAP). */
#define CT_SNAPSHOT_MAX 32

/* RFC 1123 label: ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ */
bool validate_hostname(const char *s);
/* A snapshot's name: a label as a hostname's, at most CT_SNAPSHOT_MAX. */
bool validate_snapshot_name(const char *s);
/* LDAP uid usable as a Linux user name: ^[a-z_][a-z0-9_-]{0,31}$ */
bool validate_uid(const char *s);
/* Template or group name: ^[a-z0-9][a-z0-9_.-]{0,max-1}$ */
bool validate_name(const char *s, size_t max);
/* Request id: ^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$ */
bool validate_request_id(const char *s);
/* Printable ASCII without spaces, 1..max characters (fingerprints, addresses). */
bool validate_token(const char *s, size_t max);
/*
 * Free text for people, 1..max bytes: well-formed UTF-8 (no overlong forms,
 * no surrogates) without control characters: none of U+0000-U+001F (tab and
 * newline included), U+007F-U+009F, the line and paragraph separators
 * U+2028-U+2029 or the bidirectional controls U+202A-U+202E, U+2066-U+2069.
 */
bool validate_text(const char *s, size_t max);

#endif
