#!/bin/bash
# Creating through the gateway, the way a person or a script does it: the real
# ssh client, the rig's sshd, slapd, the agent and LXD.  Outcomes are read back
# from LXD's own API.
source "$(dirname "$0")/../lib.sh"

alice_key=$(cut -d' ' -f1,2 "$CTGATE_KEY_alice.pub")
bob_key=$(cut -d' ' -f1,2 "$CTGATE_KEY_bob.pub")

echo "-- scripted create with CT_* variables (alice: her key is in LDAP, no password)"
n1=$(name_for env)
CREATED_NAMES+=("$n1")
CT_HOSTNAME=$n1 CT_TEMPLATE=$CTGATE_TEMPLATE gw_run "$TMP/c1" alice -T -o SendEnv=CT_* --
check_eq "exit 0" 0 "$(cat "$TMP/c1.rc")"
check "summary names the container" grep -q "^Container $n1 is ready" "$TMP/c1.out"
check "one plain line per step, no spinner" grep -qE '^  done   install your SSH key +[0-9.]+ s$' "$TMP/c1.out"
check_not "no terminal control codes without a tty" grep -q $'\r\|\033' "$TMP/c1.out"
check_eq "root password shown once" 1 "$(grep -cE '^  root password +[A-Za-z0-9]{20}$' "$TMP/c1.out")"
check_eq "LXD: instance exists and runs" Running "$(lxd_get "/1.0/instances/$n1" | jq -r .metadata.status)"
check_eq "LXD: owner is alice" alice "$(lxd_config "$n1" user.ctgate.owner)"
ak=$(lxd_file "$n1" /home/alice/.ssh/authorized_keys)
check "login key is in alice's authorized_keys inside" grep -qF "$alice_key" <<<"$ak"
ip=$(lxd_get "/1.0/instances/$n1/state" | jq -r '.metadata.network.eth0.addresses[] | select(.family=="inet") | .address')
check "summary shows LXD's address" grep -qE "^  address +$ip$" "$TMP/c1.out"
check "and the published ssh line" grep -qE '^  login +ssh -p [0-9]+ alice@127.0.0.1$' "$TMP/c1.out"

echo "-- scripted create with flags and --json (bob: password on stdin, another key)"
n2=$(name_for flags)
CREATED_NAMES+=("$n2")
password_of bob > "$TMP/c2.in"
gw_run "$TMP/c2" bob -T -- create --user bob --password-stdin --hostname "$n2" --template "$CTGATE_TEMPLATE" \
    --pubkey "'$alice_key bob-uses-this@laptop'" --json
check_eq "exit 0" 0 "$(cat "$TMP/c2.rc")"
check_eq "stdout is exactly one JSON document" 1 "$(jq -c . "$TMP/c2.out" 2>/dev/null | wc -l)"
check_eq "json: ok" true "$(jq -r .ok "$TMP/c2.out")"
check_eq "json: name" "$n2" "$(jq -r .data.name "$TMP/c2.out")"
check "json: root password present" test -n "$(jq -r '.data.root_password // empty' "$TMP/c2.out")"
check_eq "LXD: owner is bob" bob "$(lxd_config "$n2" user.ctgate.owner)"
ak=$(lxd_file "$n2" /home/bob/.ssh/authorized_keys)
check "--pubkey is the key installed" grep -qF "$alice_key bob-uses-this@laptop" <<<"$ak"
check_not "the login key is not" grep -qF "$bob_key" <<<"$ak"
check_not "the password never reaches the output" grep -qF "$(password_of bob)" "$TMP/c2.out" "$TMP/c2.err"

echo "-- every container has a CTID: in the summary, info, list, --json, the registry and LXD"
ctid1=$(sed -nE 's/^  ctid +([0-9]+)$/\1/p' "$TMP/c1.out")
ctid2=$(jq -r .data.ctid "$TMP/c2.out")
check "the summary shows alice's CTID" test -n "$ctid1"
check "bob's --json has his, another number" test "$ctid2" -gt 0 -a "$ctid2" != "$ctid1"
check_eq "the registry holds it with the name" "$ctid2" "$(jq -r --arg h "$n2" '.hostnames[$h].ctid' "$CTGATE_AGENT_STATE/registry.json")"
if [ "${CTGATE_BACKEND:-lxd}" = proxmox ]; then
    check_eq "it is the Proxmox vmid" "$ctid2" "$(pve_ctid "$n2")"
else
    check_eq "LXD keeps it in the instance's metadata" "$ctid1" "$(lxd_config "$n1" user.ctgate.ctid)"
fi
gw_run "$TMP/ci" alice -T -- info "$n1"
check "info shows it" grep -qE "^  ctid +$ctid1$" "$TMP/ci.out"
gw_run "$TMP/cl" alice -T -- list --json
check_eq "list --json has it" "$ctid1" "$(jq -r --arg n "$n1" '.data.containers[] | select(.name == $n) | .ctid' "$TMP/cl.out")"
gw_run "$TMP/clt" alice -T -- list
check "the list table has a CTID column" grep -qE "^$n1 +$ctid1 +Running " "$TMP/clt.out"

echo "-- flag beats variable; upper case is lowered"
n3=$(name_for prec)
CREATED_NAMES+=("$n3")
CT_HOSTNAME=$(name_for loser) gw_run "$TMP/c3" alice -T -o SendEnv=CT_* -- create --hostname "${n3^^}" --json
check_eq "exit 0" 0 "$(cat "$TMP/c3.rc")"
check_eq "the flag's value, lower-cased" "$n3" "$(jq -r .data.name "$TMP/c3.out")"
check_eq "the variable's name was not used" 0 "$(lxd_instance_count "$(name_for loser)")"

echo "-- bad values: exit 2 at once, nothing created"
gw_run "$TMP/b1" alice -T -- create --hostname "-bad"
check_eq "a value starting with '-' is never an option: exit 2" 2 "$(cat "$TMP/b1.rc")"
check "and says the flag needs a value" grep -q -- "--hostname needs a value" "$TMP/b1.err"
gw_run "$TMP/b2" alice -T -- create --hostname=bad_name
check_eq "bad hostname: exit 2" 2 "$(cat "$TMP/b2.rc")"
check "names the flag" grep -q -- "--hostname: not a hostname" "$TMP/b2.err"
CT_HOSTNAME='x;id' gw_run "$TMP/b3" alice -T -o SendEnv=CT_* --
check_eq "bad CT_HOSTNAME: exit 2" 2 "$(cat "$TMP/b3.rc")"
check "names the variable" grep -q "CT_HOSTNAME: not a hostname" "$TMP/b3.err"
gw_run "$TMP/b4" alice -T -- create
check_eq "missing hostname without a tty: exit 2" 2 "$(cat "$TMP/b4.rc")"
check "names flag and variable" grep -q -- "give --hostname or CT_HOSTNAME" "$TMP/b4.err"
gw_run "$TMP/b5" alice -T -- create --hostname "$(name_for badtpl)" --template no-such
check_eq "unknown template: exit 2" 2 "$(cat "$TMP/b5.rc")"
gw_run "$TMP/b6" alice -T -- create --hostname "$(name_for badkey)" --pubkey "'ssh-ed25519 AAAAnotbase64!'"
check_eq "bad --pubkey: exit 2" 2 "$(cat "$TMP/b6.rc")"
gw_run "$TMP/b7" alice -T -- create --hostname www
check_eq "reserved hostname: exit 4" 4 "$(cat "$TMP/b7.rc")"
gw_run "$TMP/b8" bob -T -- create --user bob --hostname "$(name_for nopw)"
check_eq "password needed but no tty and no --password-stdin: exit 2" 2 "$(cat "$TMP/b8.rc")"
check "explains --password-stdin" grep -q -- "--password-stdin" "$TMP/b8.err"
check_eq "none of the refused creates reached LXD" 0 "$(( $(lxd_instance_count "$(name_for badtpl)") + $(lxd_instance_count "$(name_for badkey)") + $(lxd_instance_count "$(name_for nopw)") ))"

echo "-- taken name: exit 5"
password_of bob > "$TMP/t2.in"
gw_run "$TMP/t2" bob -T -- create --user bob --password-stdin --hostname "$n1"
check_eq "hostname_taken: exit 5" 5 "$(cat "$TMP/t2.rc")"
check "says the name is taken" grep -q "already taken" "$TMP/t2.err"
check_eq "alice's container is untouched" alice "$(lxd_config "$n1" user.ctgate.owner)"

echo "-- list, info, delete: own containers only"
gw_run "$TMP/l1" alice -T -- list --json
check_eq "alice's list: exit 0" 0 "$(cat "$TMP/l1.rc")"
check "alice sees $n1" jq_true --arg n "$n1" '.data.containers | map(.name) | index($n) != null' "$TMP/l1.out"
check_not "alice does not see bob's $n2" jq_true --arg n "$n2" '.data.containers | map(.name) | index($n) != null' "$TMP/l1.out"
gw_run "$TMP/i1" alice -T -- info "$n1"
check_eq "info own: exit 0" 0 "$(cat "$TMP/i1.rc")"
check "info shows state" grep -qE '^  state +Running' "$TMP/i1.out"
check_not "info shows no password" grep -q password "$TMP/i1.out"
password_of bob > "$TMP/i2.in"
gw_run "$TMP/i2" bob -T -- info "$n1" --user bob --password-stdin
password_of bob > "$TMP/i3.in"
gw_run "$TMP/i3" bob -T -- info "$(name_for never-made)" --user bob --password-stdin
check_eq "bob: alice's container is not found (exit 4)" 4 "$(cat "$TMP/i2.rc")"
check_eq "bob: a missing one too" 4 "$(cat "$TMP/i3.rc")"
check_eq "not yours == not there, apart from the name" \
    "$(sed "s/$(name_for never-made)/NAME/" "$TMP/i3.err")" "$(sed "s/$n1/NAME/" "$TMP/i2.err")"
password_of bob > "$TMP/d1.in"
gw_run "$TMP/d1" bob -T -- delete "$n1" --yes --user bob --password-stdin
check_eq "bob cannot delete alice's: exit 4" 4 "$(cat "$TMP/d1.rc")"
check_eq "and it still runs" Running "$(lxd_get "/1.0/instances/$n1" | jq -r .metadata.status)"
gw_run "$TMP/d2" alice -T -- delete "$n1"
check_eq "delete without a tty and without --yes: exit 2" 2 "$(cat "$TMP/d2.rc")"
check_eq "and nothing was deleted" 200 "$(lxd_status_code "/1.0/instances/$n1")"
gw_run "$TMP/d3" alice -T -- delete "$n1" --yes
check_eq "delete own with --yes: exit 0" 0 "$(cat "$TMP/d3.rc")"
check_eq "LXD: gone" 404 "$(lxd_status_code "/1.0/instances/$n1")"
check_not "registry: name free" registry_has "$n1"
