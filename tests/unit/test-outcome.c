/*
 * Unit tests: hypervisor-agent/state/outcome.c - request ids are scoped to
 * their owner: another owner's use of an id neither finds, blocks nor
 * overwrites the first owner's outcome.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json-secure.h"
#include "outcome.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/ctgate-outcome-test.XXXXXX");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    size_t count = 0;
    struct ct_error err = {0};
    /* everything outcome_record wrote is older than 0 s from a minute on */
    outcome_prune(dir, 1, time(NULL) + 60, false, &count, &err);
    snprintf(path, sizeof(path), "%s/requests", dir);
    rmdir(path);
    return rmdir(dir);
}

static const char *DIGEST_A = "aaaa";
static const char *DIGEST_B = "bbbb";
#define RID "shared-request-1"

static void test_scoped_to_owner(void **state)
{
    (void)state;
    struct ct_error err = {0};
    json_t *data = NULL;
    json_t *alices = json_pack("{s:s, s:s}", "name", "web1", "root_password", "secret");
    outcome_record(dir, RID, "alice", DIGEST_A, alices, NULL);
    json_decref(alices);

    /* bob's use of alice's id: unused for him (no wait, no result, no "reused" hint) */
    assert_int_equal(outcome_find(dir, RID, "bob", DIGEST_B, &data, &err), CT_ERR_NOT_FOUND);
    assert_null(data);
    assert_int_equal(outcome_find(dir, RID, "bob", DIGEST_A, &data, &err), CT_ERR_NOT_FOUND);
    assert_null(data);

    /* bob's own outcome under the same id lives beside alice's */
    json_t *bobs = json_pack("{s:s}", "name", "web2");
    outcome_record(dir, RID, "bob", DIGEST_B, bobs, NULL);
    json_decref(bobs);
    assert_int_equal(outcome_find(dir, RID, "bob", DIGEST_B, &data, &err), CT_OK);
    assert_string_equal(json_string_value(json_object_get(data, "name")), "web2");
    json_decref(data);
    assert_int_equal(outcome_find(dir, RID, "alice", DIGEST_A, &data, &err), CT_OK);
    assert_string_equal(json_string_value(json_object_get(data, "name")), "web1");
    assert_true(json_is_true(json_object_get(data, "repeated")));
    assert_null(json_object_get(data, "root_password")); /* shown once, never stored */
    json_decref(data);

    /* alice's own id with other parameters is still refused */
    assert_int_equal(outcome_find(dir, RID, "alice", DIGEST_B, &data, &err), CT_ERR_REQUEST_REUSED);
    assert_null(data);

    /* a failed first attempt is replayed to its owner only */
    struct ct_error failure = {0};
    ct_error_set(&failure, CT_ERR_QUOTA, "too many");
    outcome_record(dir, "failed-request-1", "alice", DIGEST_A, NULL, &failure);
    assert_int_equal(outcome_find(dir, "failed-request-1", "alice", DIGEST_A, &data, &err),
                     CT_ERR_QUOTA);
    assert_int_equal(outcome_find(dir, "failed-request-1", "bob", DIGEST_A, &data, &err),
                     CT_ERR_NOT_FOUND);
}

/* A record an older agent wrote as ID.json: found for its owner, unused for anybody else. */
static void test_legacy_record(void **state)
{
    (void)state;
    char path[160];
    struct ct_error err = {0};
    json_t *data = NULL;
    snprintf(path, sizeof(path), "%s/requests", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/requests/%s.json", dir, RID);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"v\":1,\"owner\":\"alice\",\"digest\":\"%s\",\"ok\":true,"
            "\"data\":{\"name\":\"old\"}}",
            DIGEST_A);
    fclose(f);
    assert_int_equal(outcome_find(dir, RID, "bob", DIGEST_A, &data, &err), CT_ERR_NOT_FOUND);
    assert_int_equal(outcome_find(dir, RID, "alice", DIGEST_A, &data, &err), CT_OK);
    assert_string_equal(json_string_value(json_object_get(data, "name")), "old");
    json_decref(data);
}

int main(void)
{
    json_secure_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scoped_to_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_record, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
