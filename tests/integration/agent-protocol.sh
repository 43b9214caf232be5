#!/bin/bash
# The agent rejects every malformed request with a clean error result and
# exit 2, creates nothing, and its sshd account gives nothing but the agent.
source "$(dirname "$0")/../lib.sh"

name=$(name_for proto)
CREATED_NAMES+=("$name")
good=$(req_create alice "$name")

expect_error() { # description code request-text
    agent_send "$3" "$TMP/e"
    check_eq "$1: $2" "$2" "$(result_field "$TMP/e" .error.code 2>/dev/null)"
    check_eq "$1: exit 2" 2 "$(cat "$TMP/e.rc")"
    check_eq "$1: exactly one result line" 1 "$(grep -c '"type":"result"' "$TMP/e.out")"
}

expect_error "not JSON" bad_request 'create please'
expect_error "empty request" bad_request ''
expect_error "a JSON array" bad_request '[1,2]'
expect_error "wrong protocol version" bad_request "$(jq -c '.v = 2' <<<"$good")"
expect_error "unknown operation" bad_request "$(jq -c '.op = "shell"' <<<"$good")"
expect_error "unknown field" bad_request "$(jq -c '.command = "id"' <<<"$good")"
expect_error "unknown caller field" bad_request "$(jq -c '.caller.admin = true' <<<"$good")"
expect_error "field of another operation" bad_request "$(jq -c '.template = "busybox"' <<<"$(req_list alice)")"
expect_error "missing hostname" bad_request "$(jq -c 'del(.hostname)' <<<"$good")"
expect_error "missing caller" bad_request "$(jq -c 'del(.caller)' <<<"$good")"
expect_error "duplicate key" bad_request "${good%\}},\"hostname\":\"other\"}"
expect_error "request over 64 KiB" bad_request "$(jq -c --arg pad "$(head -c 70000 /dev/zero | tr '\0' a)" '.pad = $pad' <<<"$good")"
expect_error "hostname with a semicolon" invalid_hostname "$(jq -c '.hostname = "x;id"' <<<"$good")"
expect_error "hostname with \$()" invalid_hostname "$(jq -c '.hostname = "$(id)"' <<<"$good")"
expect_error "upper-case hostname" invalid_hostname "$(jq -c '.hostname = "Web"' <<<"$good")"
expect_error "hostname ending in -" invalid_hostname "$(jq -c '.hostname = "web-"' <<<"$good")"
expect_error "hostname of 64 characters" invalid_hostname "$(jq -c --arg h "$(printf 'a%.0s' {1..64})" '.hostname = $h' <<<"$good")"
expect_error "hostname with a NUL" bad_request "$(jq -c '.hostname = "web\u0000x"' <<<"$good")"
expect_error "path traversal in hostname" invalid_hostname "$(jq -c '.hostname = "../etc"' <<<"$good")"
expect_error "uid starting with -" bad_request "$(jq -c '.caller.uid = "-rf"' <<<"$good")"
expect_error "uid with a slash" bad_request "$(jq -c '.caller.uid = "a/../../root"' <<<"$good")"
expect_error "uid number of root" bad_request "$(jq -c '.caller.uid_number = 0' <<<"$good")"
expect_error "unknown template" unknown_template "$(jq -c '.template = "nosuch"' <<<"$good")"
expect_error "key with options" invalid_pubkey "$(jq -c '.pubkey = "command=\"id\" " + .pubkey' <<<"$good")"
expect_error "key type not matching its blob" invalid_pubkey "$(jq -c '.pubkey |= sub("^ssh-ed25519"; "ssh-rsa")' <<<"$good")"
expect_error "key of two lines" invalid_pubkey "$(jq -c '.pubkey = .pubkey + "\nssh-ed25519 AAAA"' <<<"$good")"
expect_error "key blob not base64" invalid_pubkey "$(jq -c '.pubkey = "ssh-ed25519 !!!notbase64"' <<<"$good")"
check_eq "none of these created anything" 0 "$(lxd_instance_count "$name")"

expect_reserved() {
    agent_send "$(jq -c '.hostname = "www"' <<<"$good")" "$TMP/r"
    check_eq "a reserved hostname is not allowed" not_allowed "$(result_field "$TMP/r" .error.code)"
    check_eq "exit 4" 4 "$(cat "$TMP/r.rc")"
}
expect_reserved

echo "a gateway that sends half a request and then nothing"
{ printf '{"v":1,"op":"list"'; sleep 9; } | ssh -T -i "$CTGATE_GATEWAY_KEY" -o IdentitiesOnly=yes -o BatchMode=yes \
    -F /dev/null -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -p "$CTGATE_SSH_PORT" \
    "$CTGATE_AGENT_USER@$CTGATE_SSH_HOST" >"$TMP/slow.out" 2>"$TMP/slow.err"
echo $? >"$TMP/slow.rc"
check_eq "gets a timeout result (request_read = 5 s in the rig)" timeout "$(result_field "$TMP/slow" .error.code)"
check_eq "exit 7" 7 "$(cat "$TMP/slow.rc")"

echo "a key comment with control characters is cleaned"
key=$(cut -d' ' -f1,2 "$CTGATE_KEY_alice.pub")
agent_send "$(jq -c --arg k "$key comment"$'\e'"[31mred" '.pubkey = $k' <<<"$good")" "$TMP/k2"
check_eq "create with a dirty comment ok" true "$(result_field "$TMP/k2" .ok)"
check_eq "stored without the escape character" "$key comment[31mred" "$(lxd_file "$name" /home/alice/.ssh/authorized_keys)"
agent_send "$(req_named delete alice "$name")" "$TMP/kd2"

echo "the agent account gives nothing but the agent"
ssh_agent_account() {
    ssh -T -i "$CTGATE_GATEWAY_KEY" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
        -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
        -p "$CTGATE_SSH_PORT" "$@"
}
out=$(ssh_agent_account "$CTGATE_AGENT_USER@$CTGATE_SSH_HOST" 'id; echo pwned' </dev/null 2>/dev/null)
check_eq "a command word runs the agent, not the command" bad_request "$(jq -r .error.code <<<"$out")"
check_not "no shell output" grep -q pwned <<<"$out"
# Started directly (not through the function) so that $! is the ssh client itself.
ssh -T -N -i "$CTGATE_GATEWAY_KEY" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
    -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -o StrictHostKeyChecking=yes -p "$CTGATE_SSH_PORT" \
    -L "127.0.0.1:22799:127.0.0.1:$CTGATE_SSH_PORT" "$CTGATE_AGENT_USER@$CTGATE_SSH_HOST" \
    </dev/null >/dev/null 2>&1 &
fwd=$!
sleep 1
banner=$(timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/22799 && head -c 7 <&3' 2>/dev/null)
check_ne "port forwarding is refused (no sshd banner comes through)" "SSH-2.0" "$banner"
kill "$fwd" 2>/dev/null; wait "$fwd" 2>/dev/null
check_not "a user's key cannot reach the agent account" \
    ssh -T -i "$CTGATE_KEY_alice" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
        -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -p "$CTGATE_SSH_PORT" \
        "$CTGATE_AGENT_USER@$CTGATE_SSH_HOST" </dev/null >/dev/null 2>&1
