/*
 * Unit tests: shared/deploy-env.c - a create's variables as a set (duplicates, the
 * total bound, values systemd refuses), the merge with the services' variables, the
 * app's .env byte for byte, and the systemd EnvironmentFile= quoting: exact bytes
 * checked by hand, a round trip through a reader written from systemd.exec(5)'s
 * rules, and, where systemd is installed, through systemd's own parser (load_env_file()
 * of libsystemd-shared, what EnvironmentFile= uses).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <glob.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy-env.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char *render(enum ct_err (*fn)(char *const *, size_t, struct buf *, struct ct_error *),
                    char *const *items, size_t n)
{
    struct buf out;
    struct ct_error err = {0};
    buf_init(&out, DEPLOY_ENV_FILE_MAX);
    assert_int_equal(fn(items, n, &out, &err), CT_OK);
    char *text = strdup(out.data != NULL ? out.data : "");
    buf_free(&out);
    assert_non_null(text);
    return text;
}

/*
 * A reader of an EnvironmentFile= written from systemd.exec(5) (systemd 252):
 * comments at a line's start, KEY=, then unquoted (whitespace trimmed, '\'
 * escapes anything), '...' (verbatim), "..." ('\' before one of " \ ` $ gives
 * it, before anything else both stay), parts concatenated.  Returns the value
 * of key (malloc'd) or NULL when the file does not set it.
 */
static char *systemd_read(const char *file, const char *key)
{
    char *found = NULL;
    const char *p = file;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            p++;
        }
        if (*p == '#' || *p == ';') {
            p += strcspn(p, "\n");
            continue;
        }
        const char *k = p;
        p += strcspn(p, "=\n");
        if (*p != '=') {
            continue;
        }
        size_t klen = (size_t)(p - k);
        p++;
        char *v = calloc(strlen(p) + 1, 1);
        size_t n = 0;
        size_t keep = 0; /* bytes that no trailing-space trim may remove */
        assert_non_null(v);
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        while (*p != '\0' && *p != '\n') {
            if (*p == '\'') {
                for (p++; *p != '\0' && *p != '\''; p++) {
                    v[n++] = *p;
                }
                p += *p == '\'';
                keep = n;
            } else if (*p == '"') {
                for (p++; *p != '\0' && *p != '"'; p++) {
                    if (*p == '\\' && p[1] != '\0' && strchr("\"\\`$", p[1]) != NULL) {
                        p++;
                    }
                    v[n++] = *p;
                }
                p += *p == '"';
                keep = n;
            } else if (*p == '\\' && p[1] != '\0') {
                v[n++] = p[1];
                p += 2;
                keep = n;
            } else {
                v[n++] = *p++;
                if (v[n - 1] != ' ' && v[n - 1] != '\t') {
                    keep = n;
                }
            }
        }
        v[keep] = '\0';
        if (klen == strlen(key) && strncmp(k, key, klen) == 0) {
            free(found);
            found = v;
        } else {
            free(v);
        }
    }
    return found;
}

/* Hostile values: none may reach systemd changed. */
static const char *const hostile[] = {
    "$(touch /tmp/x)",
    "`touch /tmp/x`",
    "${HOME} $HOME %h %i %%",
    "it's",
    "'",
    "''",
    "\"",
    "say \"hi\"",
    "both ' and \"",
    "back\\slash",
    "\\",
    "trailing\\",
    "\\n is not a newline",
    "a'b\"c\\d$e`f%g",
    "#at start",
    ";at start",
    "  leading",
    "trailing  ",
    "  both  ",
    " ",
    "=",
    "a=b=c",
    "() { :; }; echo shellshock",
    "caf\xc3\xa9 \xe2\x9c\x93",
    "",
};

static void test_hostile_round_trip(void **state)
{
    (void)state;
    char *items[N(hostile)];
    for (size_t i = 0; i < N(hostile); i++) {
        assert_true(asprintf(&items[i], "V%zu=%s", i, hostile[i]) > 0);
    }
    struct ct_error err = {0};
    assert_int_equal(deploy_env_check(items, N(hostile), &err), CT_OK);
    char *dotenv = render(deploy_env_render_dotenv, items, N(hostile));
    char *unit = render(deploy_env_render_systemd, items, N(hostile));
    size_t off = 0;
    for (size_t i = 0; i < N(hostile); i++) {
        /* .env: the item itself, then a newline */
        assert_memory_equal(dotenv + off, items[i], strlen(items[i]));
        off += strlen(items[i]);
        assert_int_equal(dotenv[off], '\n');
        off++;
        char key[16];
        snprintf(key, sizeof(key), "V%zu", i);
        char *v = systemd_read(unit, key);
        assert_non_null(v);
        assert_string_equal(v, hostile[i]);
        free(v);
    }
    assert_int_equal(dotenv[off], '\0');
    free(dotenv);
    free(unit);
    for (size_t i = 0; i < N(hostile); i++) {
        free(items[i]);
    }
}

/* Checked by hand against systemd.exec(5); what the reader above must agree with too. */
static void test_systemd_exact_bytes(void **state)
{
    (void)state;
    static const struct {
        const char *item;
        const char *line;
    } cases[] = {
        {"A=plain", "A='plain'\n"},
        {"CMD=$(touch /tmp/x)", "CMD='$(touch /tmp/x)'\n"},
        {"TICK=`id`", "TICK='`id`'\n"},
        {"PCT=100% %h", "PCT='100% %h'\n"},
        {"HASH=#not a comment", "HASH='#not a comment'\n"},
        {"SP=  two spaces  ", "SP='  two spaces  '\n"},
        {"EMPTY=", "EMPTY=''\n"},
        {"DQ=say \"hi\"", "DQ='say \"hi\"'\n"},
        {"BS=a\\b", "BS='a\\b'\n"},
        {"SQ=it's", "SQ=\"it's\"\n"},
        {"ONE='", "ONE=\"'\"\n"},
        {"ALL=a'b\"c\\d$e`f%g", "ALL=\"a'b\\\"c\\\\d\\$e\\`f%g\"\n"},
        {"END=x'\\", "END=\"x'\\\\\"\n"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char *item = (char *)cases[i].item;
        char *unit = render(deploy_env_render_systemd, &item, 1);
        assert_string_equal(unit, cases[i].line);
        const char *eq = strchr(item, '=');
        char key[16];
        snprintf(key, sizeof(key), "%.*s", (int)(eq - item), item);
        char *v = systemd_read(unit, key);
        assert_non_null(v);
        assert_string_equal(v, eq + 1);
        free(v);
        free(unit);
    }
    /* Several items: one line each, in order. */
    char *two[] = {"A=1", "B=it's"};
    char *unit = render(deploy_env_render_systemd, two, 2);
    assert_string_equal(unit, "A='1'\nB=\"it's\"\n");
    free(unit);
}

/* Random values of the characters that matter to the quoting, read back the same. */
static void test_systemd_random_round_trip(void **state)
{
    (void)state;
    static const char alphabet[] = " '\"\\$`%#;=ab{}()\xc3\xa9";
    char value[128];
    char item[160];
    for (int round = 0; round < 5000; round++) {
        size_t len = randombytes_uniform(40);
        size_t n = 0;
        while (n < len) {
            char c = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
            if ((unsigned char)c == 0xc3 || (unsigned char)c == 0xa9) {
                value[n++] = (char)0xc3; /* keep it UTF-8: é whole */
                value[n++] = (char)0xa9;
                len++;
            } else {
                value[n++] = c;
            }
        }
        value[n] = '\0';
        snprintf(item, sizeof(item), "K=%s", value);
        char *p = item;
        char *unit = render(deploy_env_render_systemd, &p, 1);
        char *v = systemd_read(unit, "K");
        assert_non_null(v);
        if (strcmp(v, value) != 0) {
            fail_msg("value [%s] rendered [%s] read back [%s]", value, unit, v);
        }
        free(v);
        free(unit);
    }
}

static void test_large_and_empty(void **state)
{
    (void)state;
    char *big = malloc(4 + 4096 + 1);
    assert_non_null(big);
    memcpy(big, "BIG=", 4);
    for (size_t i = 0; i < 4096; i++) {
        big[4 + i] = "a'\"$`\\% #"[i % 9];
    }
    big[4 + 4096] = '\0';
    char *items[] = {big, "EMPTY="};
    struct ct_error err = {0};
    assert_int_equal(deploy_env_check(items, 2, &err), CT_OK);
    char *dotenv = render(deploy_env_render_dotenv, items, 2);
    assert_int_equal(strlen(dotenv), 4 + 4096 + 1 + 7);
    assert_memory_equal(dotenv, big, 4 + 4096);
    assert_string_equal(dotenv + 4 + 4096, "\nEMPTY=\n");
    char *unit = render(deploy_env_render_systemd, items, 2);
    char *v = systemd_read(unit, "BIG");
    assert_string_equal(v, big + 4);
    free(v);
    v = systemd_read(unit, "EMPTY");
    assert_string_equal(v, "");
    free(v);
    free(unit);
    free(dotenv);
    free(big);
}

static void test_check(void **state)
{
    (void)state;
    struct ct_error err = {0};
    char *dup[] = {"A=1", "B=2", "A=3"};
    assert_int_equal(deploy_env_check(dup, 3, &err), CT_ERR_BAD_VALUE);
    assert_string_equal(err.detail, "variable A is given twice");
    char *prefix[] = {"AB=1", "A=2", "ABC=3"}; /* one key a prefix of another is no duplicate */
    assert_int_equal(deploy_env_check(prefix, 3, &err), CT_OK);
    char *bad[] = {"1A=x"};
    assert_int_equal(deploy_env_check(bad, 1, &err), CT_ERR_BAD_VALUE);
    char *newline[] = {"A=x\ny"};
    assert_int_equal(deploy_env_check(newline, 1, &err), CT_ERR_BAD_VALUE);
    /* systemd refuses a file with a noncharacter (and U+FEFF): refused here first */
    char *nonchar[] = {"A=x\xef\xbf\xbe"};  /* U+FFFE */
    char *nonchar2[] = {"A=\xef\xb7\x90"};  /* U+FDD0 */
    char *bom[] = {"A=\xef\xbb\xbfx"};      /* U+FEFF */
    char *plane[] = {"A=\xf0\x9f\xbf\xbf"}; /* U+1FFFF */
    char *fine[] = {"A=\xf0\x9f\x98\x80"};  /* U+1F600 */
    assert_int_equal(deploy_env_check(nonchar, 1, &err), CT_ERR_BAD_VALUE);
    assert_non_null(strstr(err.detail, "value of A"));
    assert_int_equal(deploy_env_check(nonchar2, 1, &err), CT_ERR_BAD_VALUE);
    assert_int_equal(deploy_env_check(bom, 1, &err), CT_ERR_BAD_VALUE);
    assert_int_equal(deploy_env_check(plane, 1, &err), CT_ERR_BAD_VALUE);
    assert_int_equal(deploy_env_check(fine, 1, &err), CT_OK);
    struct buf out;
    buf_init(&out, DEPLOY_ENV_FILE_MAX);
    assert_int_equal(deploy_env_render_systemd(nonchar, 1, &out, &err), CT_ERR_BAD_VALUE);
    assert_int_equal(deploy_env_render_dotenv(newline, 1, &out, &err), CT_ERR_BAD_VALUE);
    assert_int_equal(out.len, 0);
    buf_free(&out);

    /* The total: 64 KiB of KEY=VALUE\n and no more. */
    size_t n = DEPLOY_ENV_TOTAL_MAX / 4096 + 1;
    char **many = calloc(n, sizeof(*many));
    assert_non_null(many);
    for (size_t i = 0; i < n; i++) {
        many[i] = malloc(4096);
        assert_non_null(many[i]);
        int len = snprintf(many[i], 4096, "K%03zu=", i);
        memset(many[i] + len, 'v', 4096 - (size_t)len - 1); /* with its newline: 4096 */
        many[i][4095] = '\0';
    }
    assert_int_equal(deploy_env_check(many, n - 1, &err), CT_OK);
    assert_int_equal(deploy_env_check(many, n, &err), CT_ERR_BAD_VALUE);
    assert_non_null(strstr(err.detail, "65536 bytes"));
    for (size_t i = 0; i < n; i++) {
        free(many[i]);
    }
    free(many);
}

static void test_merge(void **state)
{
    (void)state;
    struct service_def pg = {.name = "postgresql"};
    struct service_def rd = {.name = "redis"};
    struct service_def my = {.name = "mariadb"};
    char *pg_env[] = {"DATABASE_URL=postgresql://app:pw@localhost:5432/app", "PGHOST=localhost",
                      NULL};
    char *rd_env[] = {"REDIS_URL=redis://:pw@localhost:6379/0", NULL};
    char *my_env[] = {"DATABASE_URL=mysql://app:pw@localhost/app", NULL};
    struct service_expanded svc[] = {
        {.def = &pg, .env = pg_env, .nenv = 2},
        {.def = &rd, .env = rd_env, .nenv = 1},
        {.def = &my, .env = my_env, .nenv = 1},
    };
    char *user[] = {"NODE_ENV=production", "PORT=3000"};
    char **all = NULL;
    size_t n = 0;
    struct ct_error err = {0};
    assert_int_equal(deploy_env_merge(user, 2, svc, 2, &all, &n, &err), CT_OK);
    assert_int_equal(n, 5);
    assert_string_equal(all[0], pg_env[0]);
    assert_string_equal(all[2], rd_env[0]);
    assert_string_equal(all[3], "NODE_ENV=production");
    assert_null(all[5]);
    free(all);

    char *clash[] = {"PORT=1", "DATABASE_URL=mine"};
    assert_int_equal(deploy_env_merge(clash, 2, svc, 2, &all, &n, &err), CT_ERR_BAD_VALUE);
    assert_string_equal(err.detail,
                        "variable DATABASE_URL is set by service postgresql: choose another name");
    assert_null(all);
    char *prefix[] = {"DATABASE=mine", "REDIS_URL_X=1"};
    assert_int_equal(deploy_env_merge(prefix, 2, svc, 2, &all, &n, &err), CT_OK);
    free(all);

    assert_int_equal(deploy_env_merge(user, 2, svc, 3, &all, &n, &err), CT_ERR_BAD_VALUE);
    assert_string_equal(
        err.detail, "services postgresql and mariadb both set DATABASE_URL: ask for one of them");

    /* No service, no variable: an empty list. */
    assert_int_equal(deploy_env_merge(NULL, 0, NULL, 0, &all, &n, &err), CT_OK);
    assert_int_equal(n, 0);
    assert_null(all[0]);
    free(all);
}

/*
 * systemd's own parser, where this machine has it: load_env_file(), what
 * EnvironmentFile= calls, exported by systemd's private libsystemd-shared-NNN.so
 * (its signature (FILE *, const char *, char ***) since systemd 240).
 */
typedef int (*load_env_file_fn)(FILE *f, const char *fname, char ***ret);

static void *systemd_shared(load_env_file_fn *fn)
{
    static const char *const patterns[] = {"/usr/lib/*/systemd/libsystemd-shared-*.so",
                                           "/usr/lib/systemd/libsystemd-shared-*.so",
                                           "/lib/*/systemd/libsystemd-shared-*.so"};
    for (size_t i = 0; i < N(patterns); i++) {
        glob_t g;
        if (glob(patterns[i], 0, NULL, &g) != 0) {
            continue;
        }
        for (size_t j = 0; j < g.gl_pathc; j++) {
            const char *version = strrchr(g.gl_pathv[j], '-');
            void *lib = NULL;
            if (version != NULL && atoi(version + 1) >= 240 &&
                (lib = dlopen(g.gl_pathv[j], RTLD_NOW | RTLD_LOCAL)) != NULL) {
                *fn = (load_env_file_fn)(uintptr_t)dlsym(lib, "load_env_file");
                if (*fn != NULL) {
                    globfree(&g);
                    return lib;
                }
                dlclose(lib);
            }
        }
        globfree(&g);
    }
    return NULL;
}

/* What systemd makes of the file text: its KEY=VALUE strings (malloc'd, NULL-terminated). */
static char **systemd_load(load_env_file_fn fn, const char *text)
{
    char path[] = "/tmp/ctgate-envfile.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char **env = NULL;
    int rc = fn(NULL, path, &env);
    unlink(path);
    assert_int_equal(rc, 0);
    return env;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
        free(v[i]);
    }
    free(v);
}

static void test_systemd_itself(void **state)
{
    (void)state;
    load_env_file_fn fn = NULL;
    void *lib = systemd_shared(&fn);
    if (lib == NULL) {
        skip(); /* no systemd here: the exact bytes and the reader above stand */
    }
    char *items[N(hostile) + 1];
    for (size_t i = 0; i < N(hostile); i++) {
        assert_true(asprintf(&items[i], "V%zu=%s", i, hostile[i]) > 0);
    }
    items[N(hostile)] = malloc(4 + 4096 + 1);
    assert_non_null(items[N(hostile)]);
    memcpy(items[N(hostile)], "BIG=", 4);
    for (size_t i = 0; i < 4096; i++) {
        items[N(hostile)][4 + i] = "a'\"$`\\% #"[i % 9];
    }
    items[N(hostile)][4 + 4096] = '\0';
    char *unit = render(deploy_env_render_systemd, items, N(items));
    char **env = systemd_load(fn, unit);
    for (size_t i = 0; i < N(items); i++) {
        assert_non_null(env[i]);
        assert_string_equal(env[i], items[i]); /* in order, each exactly */
        free(items[i]);
    }
    assert_null(env[N(items)]);
    free_strv(env);
    free(unit);

    /* And random values of the characters that matter. */
    static const char alphabet[] = " '\"\\$`%#;=ab{}()";
    for (int round = 0; round < 2000; round++) {
        char item[64] = "K=";
        size_t len = randombytes_uniform(40);
        for (size_t i = 0; i < len; i++) {
            item[2 + i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
        }
        item[2 + len] = '\0';
        char *p = item;
        unit = render(deploy_env_render_systemd, &p, 1);
        env = systemd_load(fn, unit);
        if (env == NULL || env[0] == NULL || strcmp(env[0], item) != 0) {
            fail_msg("[%s] rendered [%s] read by systemd as [%s]", item, unit,
                     env != NULL && env[0] != NULL ? env[0] : "(nothing)");
        }
        free_strv(env);
        free(unit);
    }
    dlclose(lib);
}

int main(void)
{
    if (sodium_init() < 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_round_trip),
        cmocka_unit_test(test_systemd_exact_bytes),
        cmocka_unit_test(test_systemd_random_round_trip),
        cmocka_unit_test(test_large_and_empty),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_systemd_itself),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
