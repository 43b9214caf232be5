/* Unit tests: shared/atomicfile.c - replaced whole or not at all, no temporary left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/ctgate-atomicfile-test.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/file", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    chmod(dir, 0700);
    DIR *d = opendir(dir);
    const struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            unlinkat(dirfd(d), e->d_name, 0);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return rmdir(dir);
}

/* How many names the test directory holds (a left temporary shows here). */
static int entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    const struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    closedir(d);
    return n;
}

static void assert_content(const char *want)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_read_file(&b, path), 0);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data != NULL ? b.data : "", want, b.len);
    buf_free(&b);
}

static void test_write_replaces(void **state)
{
    (void)state;
    struct ct_error err = {0};
    assert_int_equal(atomicfile_write(path, "old\n", 4, 0640, &err), CT_OK);
    assert_content("old\n");
    assert_int_equal(atomicfile_write(path, "new content\n", 12, 0640, &err), CT_OK);
    assert_content("new content\n");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777 & ~0640, 0); /* the mode asked for, less the umask */
    assert_int_equal(entries(), 1);
    assert_int_equal(atomicfile_write(path, "", 0, 0600, &err), CT_OK);
    assert_content("");
}

static void test_pieces_then_commit(void **state)
{
    (void)state;
    struct ct_error err = {0};
    struct atomicfile af;
    assert_int_equal(atomicfile_write(path, "old\n", 4, 0600, &err), CT_OK);
    assert_int_equal(atomicfile_open(&af, path, 0600, &err), CT_OK);
    assert_int_equal(atomicfile_append(&af, "a", 1), 0);
    assert_int_equal(atomicfile_append(&af, "bc\n", 3), 0);
    assert_content("old\n"); /* nothing shows before the commit */
    assert_int_equal(entries(), 2);
    assert_int_equal(atomicfile_commit(&af, &err), CT_OK);
    assert_content("abc\n");
    assert_int_equal(entries(), 1);
    atomicfile_rollback(&af); /* after a commit: does nothing */
    assert_content("abc\n");
}

static void test_rollback_removes_temporary(void **state)
{
    (void)state;
    struct ct_error err = {0};
    struct atomicfile af;
    assert_int_equal(atomicfile_write(path, "old\n", 4, 0600, &err), CT_OK);
    assert_int_equal(atomicfile_open(&af, path, 0600, &err), CT_OK);
    assert_int_equal(atomicfile_append(&af, "half", 4), 0);
    atomicfile_rollback(&af);
    atomicfile_rollback(&af); /* twice is harmless */
    assert_content("old\n");
    assert_int_equal(entries(), 1);
}

static void test_stale_temporary_replaced(void **state)
{
    (void)state;
    struct ct_error err = {0};
    char stale[192];
    snprintf(stale, sizeof(stale), "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(stale, "w");
    assert_non_null(f);
    fputs("left by a crash", f);
    fclose(f);
    assert_int_equal(atomicfile_write(path, "fresh\n", 6, 0600, &err), CT_OK);
    assert_content("fresh\n");
    assert_int_equal(entries(), 1);
}

static void test_commit_new_keeps_first(void **state)
{
    (void)state;
    struct ct_error err = {0};
    struct atomicfile af;
    assert_int_equal(atomicfile_open(&af, path, 0600, &err), CT_OK);
    atomicfile_append(&af, "first\n", 6);
    assert_int_equal(atomicfile_commit_new(&af, &err), CT_OK);
    assert_int_equal(atomicfile_open(&af, path, 0600, &err), CT_OK);
    atomicfile_append(&af, "second\n", 7);
    assert_int_equal(atomicfile_commit_new(&af, &err), CT_ERR_NOT_ALLOWED);
    assert_content("first\n");
    assert_int_equal(entries(), 1);
}

/* A write that fails half-way (the file size limit) leaves the old file and no temporary. */
static void test_failed_write_keeps_old(void **state)
{
    (void)state;
    struct ct_error err = {0};
    assert_int_equal(atomicfile_write(path, "old\n", 4, 0600, &err), CT_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit small = {1024, 1024};
        static char big[8192];
        struct ct_error child_err = {0};
        signal(SIGXFSZ, SIG_IGN);
        memset(big, 'x', sizeof(big));
        bool ok = setrlimit(RLIMIT_FSIZE, &small) == 0 &&
                  atomicfile_write(path, big, sizeof(big), 0600, &child_err) == CT_ERR_INTERNAL &&
                  strstr(child_err.detail, "cannot write") != NULL;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_content("old\n");
    assert_int_equal(entries(), 1);
}

/* A directory we may not write to: the update fails, the old file stays. */
static void test_unwritable_directory_keeps_old(void **state)
{
    (void)state;
    struct ct_error err = {0};
    assert_int_equal(atomicfile_write(path, "old\n", 4, 0644, &err), CT_OK);
    assert_int_equal(chmod(dir, 0555), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct ct_error child_err = {0};
        /* root writes anywhere: try as nobody */
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
            _exit(2);
        }
        enum ct_err rc = atomicfile_write(path, "new\n", 4, 0644, &child_err);
        _exit(rc == CT_ERR_INTERNAL && strstr(child_err.detail, "cannot create") != NULL ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(chmod(dir, 0700), 0);
    assert_content("old\n");
    assert_int_equal(entries(), 1);
}

static void test_missing_directory(void **state)
{
    (void)state;
    struct ct_error err = {0};
    char missing[192];
    snprintf(missing, sizeof(missing), "%s/no/such/file", dir);
    assert_int_equal(atomicfile_write(missing, "x", 1, 0600, &err), CT_ERR_INTERNAL);
    assert_int_equal(entries(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pieces_then_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_removes_temporary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_temporary_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_new_keeps_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_keeps_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_directory_keeps_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
