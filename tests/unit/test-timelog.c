/* Unit tests: shared/timelog.c, the event-time files of the rate limit and the login throttle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timelog.h"

static void test_parse(void **state)
{
    (void)state;
    long long kept[4];
    char text[] = "100\n\nnot a time\n950\n-5\n990\n1000\n1001\n999x\n 995\n980\n";
    /*
     * window (900, 1000]: 950, 990, 1000, 995 (strtoll skips the blank), 980; 100 too old,
     * 1001 in the future, the rest not times.  Five in the window, four kept: the last four.
     */
    size_t n = timelog_parse(text, 1000, 100, kept, 4);
    assert_int_equal(n, 4);
    assert_true(kept[0] == 990 && kept[1] == 1000 && kept[2] == 995 && kept[3] == 980);

    char text2[] = "910\n920\n930\n940\n950\n";
    n = timelog_parse(text2, 1000, 100, kept, 2); /* at most 2: the newest */
    assert_int_equal(n, 2);
    assert_true(kept[0] == 940 && kept[1] == 950);

    char text3[] = "900\n";
    assert_int_equal(timelog_parse(text3, 1000, 100, kept, 4), 0); /* the window's edge is out */
    char text4[] = "99999999999999999999999\n";
    assert_int_equal(timelog_parse(text4, 1000, 100, kept, 4), 0);
    assert_int_equal(timelog_parse(text2, 1000, 100, kept, 0), 0);
}

static void test_write(void **state)
{
    (void)state;
    char path[] = "/tmp/ctgate-timelog-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "garbage that is longer than the new content\n", 44), 44);
    const long long kept[] = {1, 9223372036854775807LL};
    assert_true(timelog_write(fd, kept, 2));
    char back[128] = "";
    ssize_t got = pread(fd, back, sizeof(back) - 1, 0);
    assert_true(got > 0);
    back[got] = '\0';
    assert_string_equal(back, "1\n9223372036854775807\n");
    assert_true(timelog_write(fd, kept, 0));
    assert_int_equal(pread(fd, back, sizeof(back), 0), 0);
    close(fd);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
