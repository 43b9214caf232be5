/*
 * json-secure.h - make jansson zero every block it frees.
 *
 * Call json_secure_init() once, before any other jansson call, in a program
 * whose JSON may hold secrets (a root password in a result).  Afterwards
 * every string jansson ever held is wiped when released.  Not thread-safe
 * to call concurrently with jansson use.
 */
#ifndef CTGATE_JSON_SECURE_H
#define CTGATE_JSON_SECURE_H

void json_secure_init(void);
/* Release text returned by json_dumps() with jansson's current allocator (wiping it). */
void json_secure_free_text(char *text);

#endif
