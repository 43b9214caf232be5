/* procid.c - see procid.h. */
#include "procid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "strcopy.h"

static bool read_small(const char *path, char *out, size_t len)
{
    struct buf text;
    buf_init(&text, len - 1);
    bool ok = buf_read_file(&text, path) == 0 && text.data != NULL &&
              str_copy(out, len, text.data);
    buf_free(&text);
    return ok;
}

static bool boot_id(char *out)
{
    char text[64];
    if (!read_small("/proc/sys/kernel/random/boot_id", text, sizeof(text))) {
        return false;
    }
    text[strcspn(text, "\n")] = '\0';
    return str_copy(out, PROCID_BOOT_LEN + 1, text);
}

/* Field 22 of /proc/PID/stat; the command name (field 2) may hold spaces and ')'. */
static bool start_of(long pid, unsigned long long *start)
{
    char path[64];
    char text[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    if (!read_small(path, text, sizeof(text))) {
        return false;
    }
    const char *p = strrchr(text, ')');
    if (p == NULL) {
        return false;
    }
    /* after ") " come fields 3, 4, ...: skip 19 of them to reach 22 */
    p++;
    for (int field = 3; field < 22 && p != NULL; field++) {
        p = strchr(p + 1, ' ');
    }
    if (p == NULL) {
        return false;
    }
    char *end = NULL;
    errno = 0;
    *start = strtoull(p + 1, &end, 10);
    return errno == 0 && end != p + 1 && (*end == ' ' || *end == '\0' || *end == '\n');
}

bool procid_self(struct procid *out)
{
    memset(out, 0, sizeof(*out));
    out->pid = (long)getpid();
    return start_of(out->pid, &out->start) && boot_id(out->boot);
}

bool procid_alive(const struct procid *id)
{
    char boot[PROCID_BOOT_LEN + 1];
    unsigned long long start = 0;
    if (!boot_id(boot) || strcmp(boot, id->boot) != 0) {
        return false; /* the machine rebooted since: nothing of then runs */
    }
    return id->pid > 0 && start_of(id->pid, &start) && start == id->start;
}
