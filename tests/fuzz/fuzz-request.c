/* libFuzzer harness: the agent's request parser (hypervisor-agent/request.c). */
#include <stdint.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct request req;
    struct ct_error err = {0};
    if (request_parse((const char *)data, size, &req, &err) == CT_OK) {
        (void)request_caller_in_group(&req, "ctgate-admins");
        request_free(&req);
    }
    return 0;
}
