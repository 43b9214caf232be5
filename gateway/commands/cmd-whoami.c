/* cmd-whoami.c - `whoami`: the LDAP identity and the key this session used. */
#include <stdio.h>

#include "command.h"
#include "output.h"

static int whoami_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    if (cmd_login(s, &cmd_whoami_entry, args, &err) != CT_OK) {
        return output_error(s, &err);
    }
    if (s->json) {
        json_t *data = session_caller_json(s);
        json_object_set_new(data, "dn", json_string(s->id.dn));
        json_object_set_new(data, "authenticated_by", json_string(s->id.by_key ? "key" : "password"));
        output_json_ok(data);
        json_decref(data);
        return 0;
    }
    char number[24];
    char groups[LDAP_DIR_GROUPS_MAX * (CT_GROUP_MAX + 2)] = "";
    size_t used = 0;
    snprintf(number, sizeof(number), "%lld", s->id.uid_number);
    for (size_t i = 0; i < s->id.ngroups && used < sizeof(groups); i++) {
        used += (size_t)snprintf(groups + used, sizeof(groups) - used, "%s%s", i ? " " : "",
                                 s->id.groups[i]);
    }
    output_field("user", s->id.uid);
    output_field("dn", s->id.dn);
    output_field("uid number", number);
    output_field("groups", groups);
    output_field("login key", s->has_login_key ? s->key_fingerprint : "(none)");
    output_field("key type", s->has_login_key ? s->login_key.type : NULL);
    output_field("logged in by", s->id.by_key ? "key (listed in your LDAP entry)" : "password");
    output_field("client", s->env.client[0] ? s->env.client : NULL);
    return 0;
}

const struct cmd_entry cmd_whoami_entry = {
    .name = "whoami",
    .args_usage = "",
    .summary = "show who the gateway takes you for, and your login key",
    .max_args = 0,
    .needs_auth = true,
    .no_agent = true,
    .exec = whoami_exec,
};
