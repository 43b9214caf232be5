#!/bin/bash
# A create request through sshd makes a running LXD container with the
# user's account, key and a root password; info/list show it; delete removes
# it and frees the name.  Every claim is checked against LXD's own API.
source "$(dirname "$0")/../lib.sh"

name=$(name_for create)
pool_ready
echo "create $name as alice"
create alice "$name" "$TMP/c"
check_eq "agent exits 0" 0 "$(cat "$TMP/c.rc")"
check_eq "result ok" true "$(result_field "$TMP/c" .ok)"
check_eq "progress lines name every step in order" "$CREATE_STEPS" \
    "$(jq -r 'select(.type=="progress" and .state=="done") | .step' "$TMP/c.out" | tr '\n' ' ' | sed 's/ $//')"
check "every progress line has v, step, state and ms" \
    jq -se 'map(select(.type=="progress")) | length > 0 and all(.v==1 and (.step|type)=="string" and (.state|type)=="string" and (.ms|type)=="number")' "$TMP/c.out" >/dev/null
password=$(result_field "$TMP/c" .data.root_password)
check "a root password of 20 characters is returned once" test "${#password}" -eq 20
check_eq "nothing on the agent's stderr" "" "$(grep -v '^Pseudo-terminal' "$TMP/c.err")"

inst=$(lxd_get "/1.0/instances/$name")
state=$(lxd_get "/1.0/instances/$name/state")
check_eq "LXD has the instance" 200 "$(jq -r .status_code <<<"$inst")"
check_eq "LXD says it runs" Running "$(jq -r .metadata.status <<<"$state")"
ip=$(jq -r '[.metadata.network.eth0.addresses[] | select(.family=="inet")][0].address' <<<"$state")
check "it has an IPv4 address on the rig's bridge" grep -q '^10\.213\.77\.' <<<"$ip"
check_eq "the result reports that address" "$ip" "$(result_field "$TMP/c" .data.ipv4)"
check_eq "owner stored as metadata" alice "$(lxd_config "$name" user.ctgate.owner)"
check_eq "request id stored as metadata" "$(result_field "$TMP/c" .data.request_id)" \
    "$(lxd_config "$name" user.ctgate.request_id)"
check_eq "template stored as metadata" busybox "$(lxd_config "$name" user.ctgate.template)"
check "created time stored as metadata" grep -qE '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T' \
    <<<"$(lxd_config "$name" user.ctgate.created)"
check_eq "template limits applied" "1/128MiB" \
    "$(jq -r '.metadata.config["limits.cpu"] + "/" + .metadata.config["limits.memory"]' <<<"$inst")"
check_not "no secret in the instance's config" grep -qF -- "$password" <<<"$inst"

keys=$(lxd_file "$name" /home/alice/.ssh/authorized_keys)
check_eq "alice's key is her authorized_keys" "$(cut -d' ' -f1,2 "$CTGATE_KEY_alice.pub")" "$(cut -d' ' -f1,2 <<<"$keys")"
passwd_line=$(lxd_file "$name" /etc/passwd | grep '^alice:')
check_eq "account alice with the LDAP uid number" "alice:x:10001" "$(cut -d: -f1-3 <<<"$passwd_line")"
shadow_root=$(lxd_file "$name" /etc/shadow | grep '^root:' | cut -d: -f2)
check "root has a SHA-512 password hash" grep -q '^\$6\$' <<<"$shadow_root"
run_listing=$(lxd_get "/1.0/instances/$name/files?path=/run")
check_eq "LXD lists /run in the container" 200 "$(jq -r .status_code <<<"$run_listing")"
check_eq "no stdin file is left in /run" "" "$(jq -r '.metadata[]' <<<"$run_listing" | grep ctgate)"
salt=$(cut -d'$' -f3 <<<"$shadow_root")
check_eq "the hash is of the returned password" "$shadow_root" \
    "$(printf '%s\n' "$password" | busybox mkpasswd -m sha512 -S "$salt" -P 0)"

agent_send "$(req_named info alice "$name")" "$TMP/i"
check_eq "info finds it" "$name/$ip/Running" "$(result_field "$TMP/i" '.data.name + "/" + .data.ipv4 + "/" + .data.state')"
check_eq "info holds no password" null "$(result_field "$TMP/i" .data.root_password)"
agent_send "$(req_list alice)" "$TMP/l"
check_eq "list shows it" "$name" "$(result_field "$TMP/l" ".data.containers[] | select(.name==\"$name\") | .name")"

echo "a second create of the same name"
create bob "$name" "$TMP/dup"
check_eq "gives hostname_taken" hostname_taken "$(result_field "$TMP/dup" .error.code)"
check_eq "exit code 5 (conflict)" 5 "$(cat "$TMP/dup.rc")"
check_eq "alice's container is untouched" alice \
    "$(lxd_config "$name" user.ctgate.owner)"

echo "delete $name"
agent_send "$(req_named delete alice "$name")" "$TMP/d"
check_eq "delete ok" true "$(result_field "$TMP/d" .ok)"
check_eq "LXD no longer has it" 404 "$(lxd_status_code "/1.0/instances/$name")"
check_not "the registry freed the name" registry_has "$name"
agent_send "$(req_named delete alice "$name")" "$TMP/d2"
check_eq "deleting again: not_found" not_found "$(result_field "$TMP/d2" .error.code)"

echo "the name can be used again"
create alice "$name" "$TMP/c2"
check_eq "re-create ok" true "$(result_field "$TMP/c2" .ok)"
agent_send "$(req_named delete alice "$name")" "$TMP/d3"
check_eq "and deleted" 404 "$(lxd_status_code "/1.0/instances/$name")"
