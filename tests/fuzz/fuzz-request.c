/* libFuzzer harness: the agent's request parser (hypervisor-agent/request.c, shared/params-table.c). */
#include <stdint.h>

#include "outcome.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct request req;
    struct ct_error err = {0};
    if (request_parse((const char *)data, size, &req, &err) == CT_OK) {
        (void)request_caller_in_group(&req, "ctgate-admins");
        char digest[OUTCOME_DIGEST_HEX];
        json_decref(request_params_json(&req)); /* the table-driven audit params */
        outcome_digest(&req, digest);
        request_free(&req);
    }
    return 0;
}
