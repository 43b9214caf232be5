/* audit.c - see audit.h. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "json-secure.h"
#include "lockfile.h"
#include "log.h"
#include "timefmt.h"

#define HASH_LEN 32
#define HASH_HEX (HASH_LEN * 2 + 1)
#define LOCK_WAIT_MS 15000

static void path_in(const char *dir, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", dir, name);
}

static void hash_hex(const void *data, size_t len, char out[HASH_HEX])
{
    unsigned char h[HASH_LEN];
    crypto_generichash(h, sizeof(h), data, len, NULL, 0);
    sodium_bin2hex(out, HASH_HEX, h, sizeof(h));
}

/* --- keys ------------------------------------------------------------------ */

enum ct_err audit_keygen(const char *dir, struct ct_error *err)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    char path[PATH_MAX];
    char hex[crypto_sign_PUBLICKEYBYTES * 2 + 1];
    char text[sizeof(hex) + 1];
    crypto_sign_keypair(pk, sk);
    path_in(dir, "audit.key", path, sizeof(path));
    /* Created whole or not at all; a key that exists stays (CT_ERR_NOT_ALLOWED). */
    enum ct_err rc = atomicfile_write_new(path, sk, sizeof(sk), 0600, err);
    sodium_memzero(sk, sizeof(sk));
    if (rc != CT_OK) {
        return rc;
    }
    sodium_bin2hex(hex, sizeof(hex), pk, sizeof(pk));
    snprintf(text, sizeof(text), "%s\n", hex);
    path_in(dir, "audit.pub", path, sizeof(path));
    /* replaces a stale public half of an older key */
    return atomicfile_write(path, text, strlen(text), 0644, err);
}

/* The signing key; a missing one is an error (made only by `audit keygen`, never on the fly). */
static enum ct_err load_secret(const char *dir, unsigned char sk[crypto_sign_SECRETKEYBYTES],
                               struct ct_error *err)
{
    char path[PATH_MAX];
    struct stat st;
    path_in(dir, "audit.key", path, sizeof(path));
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "%s is missing: make it with `ctgate-agent audit keygen`", path);
    }
    if (fd < 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot open %s: %s", path, strerror(errno));
    }
    bool ok = fstat(fd, &st) == 0 && (st.st_mode & 077) == 0 && st.st_uid == geteuid() &&
              read(fd, sk, crypto_sign_SECRETKEYBYTES) == crypto_sign_SECRETKEYBYTES;
    close(fd);
    return ok ? CT_OK
              : ct_error_set(err, CT_ERR_CONFIG, "%s must be our own, mode 0600, %d bytes", path,
                             crypto_sign_SECRETKEYBYTES);
}

/* The public key from path (hex, as audit.pub holds it). */
static bool load_public(const char *path, unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
    struct buf text;
    buf_init(&text, 256);
    bool ok = buf_read_file(&text, path) == 0 && text.data != NULL &&
              sodium_hex2bin(pk, crypto_sign_PUBLICKEYBYTES, text.data, text.len, "\n", NULL,
                             NULL) == 0;
    buf_free(&text);
    return ok;
}

/* --- records --------------------------------------------------------------- */

/* The canonical bytes a signature covers: the record without "sig", compact, keys sorted. */
static char *canonical(json_t *record)
{
    json_t *copy = json_copy(record);
    json_object_del(copy, "sig");
    char *text = copy != NULL ? json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(copy);
    return text;
}

/* The last line of the log (without its newline) into last; "" when empty. */
static enum ct_err last_line(int fd, struct buf *last, struct ct_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot stat the audit log");
    }
    off_t size = st.st_size;
    off_t from = size > (off_t)AUDIT_LINE_MAX ? size - (off_t)AUDIT_LINE_MAX : 0;
    size_t n = (size_t)(size - from);
    char *tail = malloc(n + 1);
    if (tail == NULL || pread(fd, tail, n, from) != (ssize_t)n) {
        free(tail);
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot read the audit log");
    }
    tail[n] = '\0';
    while (n > 0 && tail[n - 1] == '\n') {
        tail[--n] = '\0';
    }
    char *start = memrchr(tail, '\n', n);
    start = start != NULL ? start + 1 : tail;
    int r = buf_append(last, start, strlen(start));
    free(tail);
    return r == 0 ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "audit record too long");
}

/*
 * STATE_DIR/audit.head: {"seq":N,"hash":BLAKE2b of line N,"sig":…}, replaced
 * (atomicfile.h) after each append, so that records cut from the end of the log show.
 */
static enum ct_err write_head(const char *dir, json_int_t seq, const char *line, size_t len,
                              const unsigned char sk[crypto_sign_SECRETKEYBYTES],
                              struct ct_error *err)
{
    char hash[HASH_HEX];
    char path[PATH_MAX];
    hash_hex(line, len, hash);
    json_t *head = json_pack("{s:I, s:s}", "seq", seq, "hash", hash);
    char *text = head != NULL ? canonical(head) : NULL;
    char *out = NULL;
    if (text != NULL) {
        unsigned char sig[crypto_sign_BYTES];
        char sig_hex[crypto_sign_BYTES * 2 + 1];
        crypto_sign_detached(sig, NULL, (const unsigned char *)text, strlen(text), sk);
        sodium_bin2hex(sig_hex, sizeof(sig_hex), sig, sizeof(sig));
        json_object_set_new(head, "sig", json_string(sig_hex));
        out = json_dumps(head, JSON_COMPACT | JSON_SORT_KEYS);
    }
    json_secure_free_text(text);
    json_decref(head);
    if (out == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    path_in(dir, "audit.head", path, sizeof(path));
    enum ct_err rc = atomicfile_write(path, out, strlen(out), 0600, err);
    json_secure_free_text(out);
    return rc;
}

/*
 * Sign record (seq, prev, time and sig are added here) and append it, under
 * audit.lock, fsync'd, then replace audit.head.  *seq_out: its number.
 */
static enum ct_err append_record(const char *dir, json_t *record, json_int_t *seq_out,
                                 struct ct_error *out_err)
{
    char path[PATH_MAX];
    char when[32];
    char prev[HASH_HEX];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    unsigned char sig[crypto_sign_BYTES];
    char sig_hex[crypto_sign_BYTES * 2 + 1];
    struct buf last;
    char *text = NULL;
    char *line = NULL;
    int fd = -1;
    enum ct_err rc;

    path_in(dir, "audit.lock", path, sizeof(path));
    int lock = lockfile_acquire(path, LOCK_WAIT_MS, out_err);
    if (lock < 0) {
        log_error("audit: %s", out_err->detail);
        return out_err->code;
    }
    buf_init(&last, AUDIT_LINE_MAX);
    /* The key first: without it nothing is written, not even an empty log. */
    if ((rc = load_secret(dir, sk, out_err)) != CT_OK) {
        goto out;
    }
    path_in(dir, "audit.log", path, sizeof(path));
    fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = ct_error_set(out_err, CT_ERR_INTERNAL, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if ((rc = last_line(fd, &last, out_err)) != CT_OK) {
        goto out;
    }
    json_int_t seq = 1;
    if (last.len > 0) {
        json_t *prev_record = json_loadb(last.data, last.len, 0, NULL);
        seq = json_integer_value(json_object_get(prev_record, "seq")) + 1;
        json_decref(prev_record);
        hash_hex(last.data, last.len, prev);
    } else {
        memset(prev, '0', HASH_HEX - 1);
        prev[HASH_HEX - 1] = '\0';
    }
    timefmt_rfc3339(time(NULL), when, sizeof(when));
    if (json_object_set_new(record, "seq", json_integer(seq)) != 0 ||
        json_object_set_new(record, "time", json_string(when)) != 0 ||
        json_object_set_new(record, "prev", json_string(prev)) != 0 ||
        (text = canonical(record)) == NULL) {
        rc = ct_error_set(out_err, CT_ERR_INTERNAL, "out of memory");
        goto out;
    }
    crypto_sign_detached(sig, NULL, (const unsigned char *)text, strlen(text), sk);
    sodium_bin2hex(sig_hex, sizeof(sig_hex), sig, sizeof(sig));
    json_object_set_new(record, "sig", json_string(sig_hex));
    line = json_dumps(record, JSON_COMPACT | JSON_SORT_KEYS);
    size_t len = line != NULL ? strlen(line) : 0;
    if (line == NULL || len + 1 > AUDIT_LINE_MAX) {
        rc = ct_error_set(out_err, CT_ERR_INTERNAL, "audit record too long");
        goto out;
    }
    line[len] = '\n'; /* json_dumps' NUL becomes the newline; written as len + 1 bytes */
    if (write(fd, line, len + 1) != (ssize_t)(len + 1) || fsync(fd) != 0) {
        rc = ct_error_set(out_err, CT_ERR_INTERNAL, "cannot append to %s: %s", path,
                          strerror(errno));
        goto out;
    }
    if ((rc = write_head(dir, seq, line, len, sk, out_err)) != CT_OK) {
        goto out;
    }
    *seq_out = seq;
    log_info("audit: record %lld appended (op=%s uid=%s)", (long long)seq,
             json_string_value(json_object_get(record, "op")),
             json_string_value(json_object_get(json_object_get(record, "who"), "uid")));
out:
    if (rc != CT_OK) {
        char msg[CT_ERROR_DETAIL_MAX + 64];
        ct_error_format(out_err, msg, sizeof(msg));
        log_error("audit: %s", msg);
    }
    sodium_memzero(sk, sizeof(sk));
    json_secure_free_text(line);
    json_secure_free_text(text);
    buf_free(&last);
    if (fd >= 0) {
        close(fd);
    }
    close(lock);
    return rc;
}

static json_t *who_json(const struct audit_who *who)
{
    return json_pack("{s:s, s:s, s:s}", "uid", who->uid, "key_fingerprint", who->key_fingerprint,
                     "client", who->client);
}

enum ct_err audit_begin(const char *dir, const struct audit_who *who, const char *op,
                        json_t *params, long long *seq, struct ct_error *err)
{
    json_int_t written = 0;
    json_t *record = json_pack("{s:o, s:s, s:O, s:s}", "who", who_json(who), "op", op, "params",
                               params, "phase", AUDIT_PHASE_BEGIN);
    enum ct_err rc = record != NULL ? append_record(dir, record, &written, err)
                                    : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    json_decref(record);
    *seq = rc == CT_OK ? (long long)written : 0;
    return rc;
}

enum ct_err audit_finish(const char *dir, long long begin_seq, const struct audit_who *who,
                         const char *op, json_t *params, enum ct_err result,
                         const struct ct_error *err, json_t *steps, struct ct_error *out_err)
{
    json_int_t written = 0;
    json_t *record = json_pack("{s:o, s:s, s:O, s:{s:b, s:s, s:s?}, s:o}", "who", who_json(who),
                               "op", op, "params", params, "result", "ok", result == CT_OK, "code",
                               ct_err_code(result), "step", err != NULL ? err->step : NULL, "steps",
                               steps != NULL ? json_incref(steps) : json_array());
    if (record != NULL && begin_seq > 0) {
        json_object_set_new(record, "begin", json_integer((json_int_t)begin_seq));
    }
    enum ct_err rc = record != NULL ? append_record(dir, record, &written, out_err)
                                    : ct_error_set(out_err, CT_ERR_INTERNAL, "out of memory");
    json_decref(record);
    return rc;
}

enum ct_err audit_append(const char *dir, const struct audit_who *who, const char *op,
                         json_t *params, enum ct_err result, const struct ct_error *err,
                         json_t *steps, struct ct_error *out_err)
{
    return audit_finish(dir, 0, who, op, params, result, err, steps, out_err);
}

/* --- reading ----------------------------------------------------------------- */

typedef bool (*line_fn)(const char *line, size_t len, size_t lineno, void *ctx);

/*
 * Call fn for each line of the log (without its newline) until it returns
 * false.  Read as a stream, one line at a time, so that a long log costs no
 * memory; a line longer than any record can be is passed cut short (and so
 * is not a record).
 */
static enum ct_err each_line(const char *dir, line_fn fn, void *ctx, struct ct_error *err)
{
    char path[PATH_MAX];
    path_in(dir, "audit.log", path, sizeof(path));
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        return errno == ENOENT ? CT_OK
                               : ct_error_set(err, CT_ERR_INTERNAL, "cannot read %s: %s", path,
                                              strerror(errno));
    }
    char *line = malloc(AUDIT_LINE_MAX + 2);
    if (line == NULL) {
        fclose(f);
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    size_t lineno = 0;
    while (fgets(line, AUDIT_LINE_MAX + 2, f) != NULL) {
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\n') {
            line[--len] = '\0';
        } else {
            for (int c = fgetc(f); c != EOF && c != '\n'; c = fgetc(f)) {
                /* the rest of an overlong line */
            }
        }
        if (!fn(line, len, ++lineno, ctx)) {
            break;
        }
    }
    bool failed = ferror(f) != 0;
    free(line);
    fclose(f);
    return failed ? ct_error_set(err, CT_ERR_INTERNAL, "cannot read %s", path) : CT_OK;
}

struct verify_state {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    char prev[HASH_HEX];
    size_t count;
    size_t head_seq; /* from audit.head; 0: none */
    char head_hash[HASH_HEX];
    char problem[256];
};

/* Whether text's detached hex signature sig_hex is good under pk. */
static bool signed_by(const char *text, const char *sig_hex,
                      const unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
    unsigned char sig[crypto_sign_BYTES];
    return sig_hex != NULL &&
           sodium_hex2bin(sig, sizeof(sig), sig_hex, strlen(sig_hex), NULL, NULL, NULL) == 0 &&
           crypto_sign_verify_detached(sig, (const unsigned char *)text, strlen(text), pk) == 0;
}

/* Read and check audit.head into v (head_seq stays 0 when there is none); false: a problem. */
static bool load_head(const char *dir, struct verify_state *v)
{
    char path[PATH_MAX];
    struct buf raw;
    path_in(dir, "audit.head", path, sizeof(path));
    buf_init(&raw, 4096);
    int r = buf_read_file(&raw, path);
    json_t *head = r == 0 ? json_loadb(raw.data, raw.len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    buf_free(&raw);
    char *text = head != NULL ? canonical(head) : NULL;
    json_int_t seq = json_integer_value(json_object_get(head, "seq"));
    const char *hash = json_string_value(json_object_get(head, "hash"));
    if (r == -ENOENT) {
        v->head_seq = 0;
    } else if (text == NULL || hash == NULL || strlen(hash) != HASH_HEX - 1 || seq <= 0 ||
               !signed_by(text, json_string_value(json_object_get(head, "sig")), v->pk)) {
        snprintf(v->problem, sizeof(v->problem),
                 "audit.head is unreadable or its signature is bad");
    } else {
        v->head_seq = (size_t)seq;
        memcpy(v->head_hash, hash, HASH_HEX);
    }
    json_secure_free_text(text);
    json_decref(head);
    return v->problem[0] == '\0';
}

static bool verify_line(const char *line, size_t len, size_t lineno, void *p)
{
    struct verify_state *v = p;
    json_t *record = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
    const char *prev = json_string_value(json_object_get(record, "prev"));
    const char *sig_hex = json_string_value(json_object_get(record, "sig"));
    json_int_t seq = json_integer_value(json_object_get(record, "seq"));
    char hash[HASH_HEX];
    char *text = record != NULL ? canonical(record) : NULL;
    hash_hex(line, len, hash);
    if (record == NULL || text == NULL || prev == NULL || sig_hex == NULL) {
        snprintf(v->problem, sizeof(v->problem), "record at line %zu is not a record", lineno);
    } else if (seq != (json_int_t)lineno) {
        snprintf(v->problem, sizeof(v->problem),
                 "record at line %zu has sequence number %lld: records were removed or reordered",
                 lineno, (long long)seq);
    } else if (strcmp(prev, v->prev) != 0) {
        snprintf(v->problem, sizeof(v->problem),
                 "record %zu: the hash chain is broken (the record before it was changed, "
                 "removed or moved)",
                 lineno);
    } else if (!signed_by(text, sig_hex, v->pk)) {
        snprintf(v->problem, sizeof(v->problem), "record %zu: bad signature (it was changed)",
                 lineno);
    } else if (lineno == v->head_seq && strcmp(hash, v->head_hash) != 0) {
        snprintf(v->problem, sizeof(v->problem),
                 "record %zu is not the record %zu that audit.head says was written", lineno,
                 lineno);
    }
    json_secure_free_text(text);
    json_decref(record);
    if (v->problem[0] != '\0') {
        return false;
    }
    memcpy(v->prev, hash, HASH_HEX);
    v->count = lineno;
    return true;
}

int audit_verify(const char *dir, const char *pubkey_path, FILE *out)
{
    struct verify_state v;
    struct ct_error err = {0};
    char path[PATH_MAX];
    memset(&v, 0, sizeof(v));
    memset(v.prev, '0', HASH_HEX - 1);
    if (pubkey_path != NULL) {
        snprintf(path, sizeof(path), "%s", pubkey_path);
    } else {
        path_in(dir, "audit.pub", path, sizeof(path));
    }
    if (!load_public(path, v.pk)) {
        fprintf(out, "audit: cannot read a public key (64 hex digits) from %s\n", path);
        return CT_EXIT_BACKEND;
    }
    /* The head first: an append between the two reads only makes the log longer than it. */
    if (load_head(dir, &v) && each_line(dir, verify_line, &v, &err) != CT_OK) {
        fprintf(out, "audit: %s\n", err.detail);
        return CT_EXIT_BACKEND;
    }
    if (v.problem[0] == '\0' && v.count < v.head_seq) {
        snprintf(v.problem, sizeof(v.problem),
                 "the log ends at record %zu, but audit.head says record %zu was written: "
                 "records were removed from its end",
                 v.count, v.head_seq);
    } else if (v.problem[0] == '\0' && v.count > 0 && v.head_seq == 0) {
        snprintf(v.problem, sizeof(v.problem),
                 "audit.head is missing: whether records were removed from the end cannot be "
                 "checked");
    }
    if (v.problem[0] != '\0') {
        fprintf(out, "audit: FAILED: %s (%zu records before it are intact)\n", v.problem, v.count);
        return CT_EXIT_CONFLICT;
    }
    fprintf(out, "audit: %zu records, hash chain and signatures intact\n", v.count);
    return 0;
}

struct select_state {
    const char *uid;
    time_t since;
    const char *hostname;
    size_t limit;
    bool begins;
    json_t *out;
};

static bool select_line(const char *line, size_t len, size_t lineno, void *p)
{
    (void)lineno;
    struct select_state *s = p;
    json_t *r = json_loadb(line, len, 0, NULL);
    const char *uid = json_string_value(json_object_get(json_object_get(r, "who"), "uid"));
    const char *host = json_string_value(json_object_get(json_object_get(r, "params"), "hostname"));
    const char *phase = json_string_value(json_object_get(r, "phase"));
    time_t when = 0;
    bool keep =
        r != NULL && (s->begins || phase == NULL) &&
        (s->uid == NULL || (uid != NULL && strcmp(uid, s->uid) == 0)) &&
        (s->hostname == NULL || (host != NULL && strcmp(host, s->hostname) == 0)) &&
        (s->since == 0 ||
         (timefmt_parse(json_string_value(json_object_get(r, "time")), &when) && when >= s->since));
    if (keep) {
        json_object_del(r, "sig");
        json_object_del(r, "prev");
        json_array_append(s->out, r);
        if (s->limit > 0 && json_array_size(s->out) > s->limit) {
            json_array_remove(s->out, 0);
        }
    }
    json_decref(r);
    return true;
}

enum ct_err audit_select(const char *dir, const char *uid, time_t since, const char *hostname,
                         size_t limit, bool begins, json_t **out, struct ct_error *err)
{
    struct select_state s = {uid, since, hostname, limit, begins, json_array()};
    if (s.out == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    enum ct_err rc = each_line(dir, select_line, &s, err);
    if (rc != CT_OK) {
        json_decref(s.out);
        return rc;
    }
    *out = s.out;
    return CT_OK;
}
