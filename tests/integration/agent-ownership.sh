#!/bin/bash
# Users see and touch only their own containers; "not yours" and "not
# there" give the same answer; members of the admin group see everything.
source "$(dirname "$0")/../lib.sh"

name=$(name_for owned)
create alice "$name" "$TMP/c"
check_eq "alice creates" true "$(result_field "$TMP/c" .ok)"

agent_send "$(req_list bob)" "$TMP/bl"
check_eq "bob's list does not show it" "" "$(result_field "$TMP/bl" ".data.containers[] | select(.name==\"$name\") | .name")"
agent_send "$(req_named info bob "$name")" "$TMP/bi"
check_eq "bob's info: not_found" not_found "$(result_field "$TMP/bi" .error.code)"
check_eq "exit code 4" 4 "$(cat "$TMP/bi.rc")"
agent_send "$(req_named delete bob "$name")" "$TMP/bd"
check_eq "bob's delete: not_found" not_found "$(result_field "$TMP/bd" .error.code)"
check_eq "alice's container still exists" 200 "$(lxd_status_code "/1.0/instances/$name")"
check "the name is still reserved" registry_has "$name"

agent_send "$(req_list alice)" "$TMP/al"
check_eq "alice's list shows it" "$name" "$(result_field "$TMP/al" ".data.containers[] | select(.name==\"$name\") | .name")"
agent_send "$(req_list dave)" "$TMP/dl"
check_eq "admin dave's list shows it" "$name" "$(result_field "$TMP/dl" ".data.containers[] | select(.name==\"$name\") | .name")"
agent_send "$(req_named info dave "$name")" "$TMP/di"
check_eq "admin dave's info shows the owner" alice "$(result_field "$TMP/di" .data.owner)"

echo "an instance LXD has but ctgate did not make is nobody's"
foreign=$(name_for foreign)
CREATED_NAMES+=("$foreign")
LXD_DIR=$CTGATE_LXD_DIR lxc init "$CTGATE_IMAGE_ALIAS" "$foreign" >/dev/null
agent_send "$(req_named info dave "$foreign")" "$TMP/fi"
check_eq "even an admin gets not_found" not_found "$(result_field "$TMP/fi" .error.code)"
agent_send "$(req_named delete dave "$foreign")" "$TMP/fd"
check_eq "and cannot delete it" 200 "$(lxd_status_code "/1.0/instances/$foreign")"
create alice "$foreign" "$TMP/fc"
check_eq "creating its name: hostname_taken" hostname_taken "$(result_field "$TMP/fc" .error.code)"
check_eq "the rollback left the foreign instance alone" 200 "$(lxd_status_code "/1.0/instances/$foreign")"
check_eq "still without ctgate metadata" null "$(lxd_get "/1.0/instances/$foreign" | jq -r '.metadata.config["user.ctgate.owner"]')"
check_not "and no reservation is left" registry_has "$foreign"

echo "admin dave deletes alice's container"
agent_send "$(req_named delete dave "$name")" "$TMP/dd"
check_eq "delete ok" true "$(result_field "$TMP/dd" .ok)"
check_eq "LXD no longer has it" 404 "$(lxd_status_code "/1.0/instances/$name")"

agent_send "$(req_named info bob "$name")" "$TMP/gone"
check_eq "'not yours' and 'not there' say exactly the same" \
    "$(result_of "$TMP/bi")" "$(result_of "$TMP/gone")"
check_eq "with the same exit code" "$(cat "$TMP/bi.rc")" "$(cat "$TMP/gone.rc")"
