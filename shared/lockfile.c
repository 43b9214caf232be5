/* lockfile.c - see lockfile.h. */
#include "lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

int lockfile_acquire(const char *path, long wait_ms, struct ct_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        ct_error_set(err, CT_ERR_INTERNAL, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    long deadline = clock_now_ms() + wait_ms;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            ct_error_set(err, CT_ERR_INTERNAL, "cannot lock %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (clock_now_ms() > deadline) {
            ct_error_set(err, CT_ERR_TIMEOUT, "%s stayed locked for %ld ms", path, wait_ms);
            close(fd);
            return -1;
        }
        struct timespec pause = {0, 5L * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return fd;
}
