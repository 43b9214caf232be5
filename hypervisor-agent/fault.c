/* fault.c - see fault.h; empty unless CTGATE_FAULT_INJECTION is defined. */
#include "fault.h"

#ifdef CTGATE_FAULT_INJECTION
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "validate.h"

const char *fault_step(const char *state_dir, char *buf, size_t len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/fault-inject", state_dir);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n <= 0) {
        return NULL;
    }
    buf[n] = '\0';
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n' || buf[i] == ' ') {
            buf[i] = '\0';
            break;
        }
    }
    return validate_name(buf, 32) ? buf : NULL;
}
#else
typedef int fault_injection_disabled;
#endif
