/* timefmt.c - see timefmt.h. */
#include "timefmt.h"

#include <string.h>

#define FORMAT "%Y-%m-%dT%H:%M:%SZ"

void timefmt_rfc3339(time_t when, char *buf, size_t len)
{
    struct tm tm;
    if (len == 0) {
        return;
    }
    buf[0] = '\0';
    if (gmtime_r(&when, &tm) != NULL) {
        strftime(buf, len, FORMAT, &tm);
    }
}

bool timefmt_parse(const char *text, time_t *when)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (text == NULL || strlen(text) != TIMEFMT_LEN) {
        return false;
    }
    const char *end = strptime(text, FORMAT, &tm);
    if (end == NULL || *end != '\0') {
        return false;
    }
    *when = timegm(&tm);
    return *when != (time_t)-1;
}
