/* Unit tests: shared/nodump.c - no core file, not dumpable, and no way back up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nodump.h"

/* In a child, so the test runner itself stays as it was. */
static void test_nodump(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit lim;
        const struct rlimit more = {4096, 4096};
        int bad = nodump_apply() != 0;
        bad |= prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0;
        bad |= getrlimit(RLIMIT_CORE, &lim) != 0 || lim.rlim_cur != 0 || lim.rlim_max != 0;
        bad |= setrlimit(RLIMIT_CORE, &more) == 0 && geteuid() != 0; /* the hard limit holds */
        _exit(bad ? 1 : 0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nodump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
