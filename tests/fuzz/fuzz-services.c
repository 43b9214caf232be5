/* libFuzzer harness: the service catalogue parser (shared/services.c) and placeholder expansion. */
#include <libconfig.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deploy-validate.h"
#include "services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig 1.5 leaks a string buffer on some syntax errors (its strbuf_append): not ours. */
const char *__lsan_default_suppressions(void)
{
    return "leak:libconfig.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    /* libconfig 1.5 has no hook to refuse @include: keep the fuzzer away from the host's files. */
    if (strstr(text, "@include") != NULL) {
        free(text);
        return 0;
    }
    config_t conf;
    config_init(&conf);
    if (config_read_string(&conf, text) == CONFIG_TRUE) {
        struct service_catalog c;
        struct ct_error err = {0};
        if (services_parse(&conf, "fuzz.conf", &c, &err) == CT_OK) {
            struct service_values v = {
                .password = "Abc123Abc123Abc123Abc123", .name = "web1", .user = "alice"};
            for (size_t i = 0; i < c.n; i++) {
                struct service_expanded e;
                if (services_find(&c, c.items[i].name) != &c.items[i]) {
                    __builtin_trap(); /* names are unique */
                }
                if (services_expand(&c.items[i], &v, &e, &err) == CT_OK) {
                    for (size_t k = 0; k < e.nenv; k++) {
                        if (!validate_env_item(e.env[k])) {
                            __builtin_trap(); /* what the app gets is always a variable */
                        }
                    }
                    services_expanded_free(&e);
                }
            }
            services_free(&c);
        }
    }
    config_destroy(&conf);
    free(text);
    return 0;
}
