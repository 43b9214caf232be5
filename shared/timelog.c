/* timelog.c - see timelog.h. */
#include "timelog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

size_t timelog_parse(char *text, time_t now, long long window_s, long long *kept, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    if (max == 0) {
        return 0;
    }
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *end = NULL;
        errno = 0;
        long long t = strtoll(line, &end, 10);
        if (errno != 0 || end == line || *end != '\0' || t > (long long)now ||
            t <= (long long)now - window_s) {
            continue; /* outside the window, from the future, or not a time */
        }
        if (n == max) { /* more than max: keep the newest */
            memmove(kept, kept + 1, (max - 1) * sizeof(*kept));
            n--;
        }
        kept[n++] = t;
    }
    return n;
}

bool timelog_write(int fd, const long long *kept, size_t n)
{
    char *text = malloc(n * TIMELOG_LINE_MAX + 1);
    size_t len = 0;
    if (text == NULL) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(text + len, TIMELOG_LINE_MAX + 1, "%lld\n", kept[i]);
    }
    bool ok = ftruncate(fd, 0) == 0 && pwrite(fd, text, len, 0) == (ssize_t)len;
    free(text);
    return ok;
}
