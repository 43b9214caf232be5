/* libFuzzer harness: the gateway's command tokenizer and the argument parser behind it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "tokenize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    if (line == NULL) {
        return 0;
    }
    memcpy(line, data, size);
    line[size] = '\0';
    struct words w;
    const char *why = NULL;
    if (tokenize(line, &w, &why) == 0) {
        struct cmd_args args;
        struct ct_error err = {0};
        for (size_t i = 0; commands[i] != NULL; i++) {
            if (args_parse(commands[i], &w, 0, &args, &err) == CT_OK) {
                (void)args_flag(&args, "hostname");
            }
        }
        tokenize_free(&w);
    }
    free(line);
    return 0;
}
