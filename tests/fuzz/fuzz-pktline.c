/*
 * libFuzzer harness: the ref advertisement of a git server
 * (shared/pktline.c), read by the gateway from any allowed host.  Nothing
 * may be read past the answer; every branch name kept must be found again
 * by git_refs_has_branch, and no more names are kept than branches counted.
 */
#include <stdint.h>
#include <string.h>

#include "pktline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct git_refs refs;
    enum pktline_result r = pktline_parse_refs((const char *)data, size, &refs);
    if (r != PKTLINE_REFS) {
        return 0;
    }
    if (refs.nnames > GIT_REFS_NAMES_MAX || refs.nnames > refs.nbranches ||
        strlen(refs.default_branch) > GIT_BRANCH_NAME_MAX) {
        __builtin_trap();
    }
    for (size_t i = 0; i < refs.nnames; i++) {
        if (refs.names[i][0] == '\0' || !git_refs_has_branch(&refs, refs.names[i])) {
            __builtin_trap();
        }
    }
    (void)git_refs_has_branch(&refs, refs.default_branch);
    return 0;
}
