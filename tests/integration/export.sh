#!/bin/bash
# export NAME (issue 19.3): a user streams a compressed backup of their container to their own
# stdout (ssh ... export NAME > NAME.tar.gz); the file is what the gateway said (size and
# SHA-256), LXD imports it as a working container with the user's file in it, and nothing of it
# stays on the hypervisor.  Refused: stdout a terminal, --json, bob on alice's container (the
# words of a missing one, not a byte written).  A failure mid-stream (fault injected) and an
# export larger than export.max_size (agent run directly with a copy of its config) end in an
# error and leave no backup behind in LXD.  An admin's `ctgate-agent backup --all DIR` writes
# the same file with a sha256sum line beside it, keeps the newest --keep, and on a failure
# leaves no partial file.  Every export and backup is in the audit trail.
source "$(dirname "$0")/../lib.sh"
umask 077 # $TMP is opened to the agent's account below: passwords in it stay root's

lxc_rig() { LXD_DIR=$CTGATE_LXD_DIR lxc "$@"; }
inside() { lxc_rig exec "$1" -- sh -c "$2" </dev/null; }
agent_as() { runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" "$@"; }
# No backup of NAME is left in LXD, neither in its API nor on its disk.
no_backup_left() {
    [ "$(lxd_get "/1.0/instances/$1/backups" | jq '.metadata | length')" = 0 ] &&
        [ -z "$(find "$CTGATE_LXD_DIR" -path '*backups*' -name 'ctgate-export-*' 2>/dev/null)" ]
}

rm -f "$CTGATE_AGENT_STATE/rate/export.alice" # export.per_hour (4) counts from here
n=$(name_for ex)
copy=$(name_for exi)
CREATED_NAMES+=("$n" "$copy")
gw_run "$TMP/c" alice -T -- create --hostname "$n"
check_eq "create $n" 0 "$(cat "$TMP/c.rc")"
inside "$n" 'echo "kept by export" > /root/marker'

echo "-- export to a file"
gw_run "$TMP/e1" alice -T -- export "$n"
check_eq "export $n: exit 0" 0 "$(cat "$TMP/e1.rc")" || sed 's/^/    | /' "$TMP/e1.err"
check "the summary goes to stderr" grep -q "^Exported $n: [0-9]* bytes, lxd-backup, gzip" "$TMP/e1.err"
size=$(stat -c %s "$TMP/e1.out")
sum=$(sha256sum "$TMP/e1.out" | cut -d' ' -f1)
check "the size it names is the file's ($size)" grep -q "^Exported $n: $size bytes" "$TMP/e1.err"
check "the SHA-256 it names is the file's" grep -q "sha256 $sum\.$" "$TMP/e1.err"
check "it is a gzip'd LXD backup" sh -c "tar tzf '$TMP/e1.out' | grep -qx 'backup/index.yaml'"
check "nothing of it stays in LXD" no_backup_left "$n"

password_of alice >"$TMP/pw.in"
gw_run "$TMP/pw" alice -T -- export "$n" --user alice --password-stdin
check_eq "with --password-stdin too: exit 0" 0 "$(cat "$TMP/pw.rc")" || sed 's/^/    | /' "$TMP/pw.err"
check "the same kind of file" sh -c "tar tzf '$TMP/pw.out' | grep -qx 'backup/index.yaml'"

echo "-- LXD imports it as a working container"
lxc_rig import "$TMP/e1.out" "$copy" >"$TMP/imp.out" 2>&1
check_eq "lxc import: exit 0" 0 "$?" || sed 's/^/    | /' "$TMP/imp.out"
lxc_rig start "$copy" >/dev/null 2>&1
check_eq "the copy starts" Running "$(lxd_state "$copy")"
check_eq "with the user's file in it" "kept by export" "$(inside "$copy" 'cat /root/marker')"
lxc_rig delete --force "$copy" >/dev/null 2>&1

echo "-- refusals"
gw_run "$TMP/t" alice -tt -- export "$n"
check_eq "stdout a terminal: exit 2" 2 "$(cat "$TMP/t.rc")"
check "says to redirect it" grep -q "stdout is a terminal: send the backup to a file" "$TMP/t.out"
check_not "before asking for a password" grep -qi "password" "$TMP/t.out"
gw_run "$TMP/j" alice -T -- export "$n" --json
check_eq "--json: exit 2" 2 "$(cat "$TMP/j.rc")"
password_of bob >"$TMP/b.in"
gw_run "$TMP/b" bob -T -- export "$n" --user bob --password-stdin
check_eq "bob exports alice's: exit 4" 4 "$(cat "$TMP/b.rc")"
check "the words of a missing container" grep -q "no such container: $n" "$TMP/b.err"
check_eq "not a byte written" 0 "$(stat -c %s "$TMP/b.out")"
check "no backup made for bob" no_backup_left "$n"

echo "-- a stream broken after its first piece (fault injected)"
echo export >"$CTGATE_AGENT_STATE/fault-inject"
chmod 0644 "$CTGATE_AGENT_STATE/fault-inject" # umask 077 above
gw_run "$TMP/f" alice -T -- export "$n"
rm -f "$CTGATE_AGENT_STATE/fault-inject"
check_ne "exit is not 0" 0 "$(cat "$TMP/f.rc")"
check "the user is told the copy is incomplete" grep -q "are an incomplete backup: delete them" "$TMP/f.err"
check "some bytes had arrived" test "$(stat -c %s "$TMP/f.out")" -gt 0
check "no backup left in LXD" no_backup_left "$n"

echo "-- the reader goes away mid-stream (| head -c)"
gw alice -T -- export "$n" 2>"$TMP/h.err" | head -c 1000 >/dev/null
check_ne "the gateway's exit is not 0" 0 "${PIPESTATUS[0]}"
check_no_sanitizer_report "$TMP/h.err"
check "no backup left in LXD" eventually no_backup_left "$n"

echo "-- export.per_hour: alice's fifth export in the hour"
gw_run "$TMP/r5" alice -T -- export "$n"
check_eq "exit 4" 4 "$(cat "$TMP/r5.rc")"
check "says when" grep -q "you started 4 exports in the last hour, the most allowed is 4" "$TMP/r5.err"
check_eq "not a byte" 0 "$(stat -c %s "$TMP/r5.out")"

echo "-- larger than export.max_size (the agent with a copy of its config)"
chmod 0755 "$TMP"
{ cat "$CTGATE_AGENT_CONF"; printf 'export = { max_size = "1M"; per_hour = 0; };\n'; } >"$TMP/agent.conf"
chmod 0644 "$TMP/agent.conf"
request='{"v":1,"op":"export","caller":{"uid":"alice","uid_number":10001,"groups":[]},"hostname":"'$n'"}'
echo "$request" | agent_as --config "$TMP/agent.conf" >"$TMP/big.out" 2>"$TMP/big.err"
check_eq "exit 4 (quota)" 4 "$?"
check "the result says how large an export may be" jq_true -s \
    '.[-1] | .type == "result" and (.ok | not) and .error.code == "quota_exceeded" and (.error.message | test("larger than the 1MiB an export may be"))' \
    "$TMP/big.out"
check "at most 1 MiB had been sent" jq_true -s \
    '[.[] | select(.type == "data") | .b64 | length] | add * 3 / 4 <= 1048576 + 3' "$TMP/big.out"
check "no backup left in LXD" no_backup_left "$n"

echo "-- an admin's backup --all, with retention"
install -d -o "$CTGATE_AGENT_USER" -m 0700 "$TMP/bk"
# Other containers on the rig are backed up too (or fail if another suite deletes them meanwhile).
only_ours_failed() { ! grep -q "^backup $n: FAILED" "$1"; }
agent_as --config "$CTGATE_AGENT_CONF" backup --all "$TMP/bk" >"$TMP/bk1.out" 2>&1
check "backup --all: $n is backed up" grep -qE "^backup $n: $TMP/bk/$n/$n-[0-9]{8}T[0-9]{6}Z\.tar\.gz \([0-9]+ bytes\)$" "$TMP/bk1.out" ||
    sed 's/^/    | /' "$TMP/bk1.out"
check "and nothing of ours failed" only_ours_failed "$TMP/bk1.out"
first=$(cd "$TMP/bk/$n" && ls -- *.tar.gz)
check "its .sha256 checks with sha256sum -c" sh -c "cd '$TMP/bk/$n' && sha256sum --quiet -c '$first.sha256'"
check "it is the same kind of file as an export" sh -c "tar tzf '$TMP/bk/$n/$first' | grep -qx 'backup/index.yaml'"
check_eq "the files are the agent's alone" "600 600" "$(stat -c %a "$TMP/bk/$n/$first" "$TMP/bk/$n/$first.sha256" | xargs)"
check "no backup left in LXD" no_backup_left "$n"
sleep 1 # a new second, a new name
agent_as --config "$CTGATE_AGENT_CONF" backup --all --keep 1 "$TMP/bk" >"$TMP/bk2.out" 2>&1
check "--keep 1: the older one is removed" grep -q "^backup $n: .*, 1 older removed (keep 1)$" "$TMP/bk2.out"
check_eq "one backup and its sum remain" 2 "$(ls "$TMP/bk/$n" | wc -l)"
check_not "and it is the new one" test -e "$TMP/bk/$n/$first"
agent_as --config "$TMP/agent.conf" backup --all "$TMP/bk" >"$TMP/bk3.out" 2>&1
check_ne "larger than export.max_size: exit not 0" 0 "$?"
check "says so for $n" grep -q "^backup $n: FAILED: quota exceeded: larger than export.max_size (1MiB)" "$TMP/bk3.out"
check_eq "no partial file left, the last good one kept" 2 "$(ls -A "$TMP/bk/$n" | wc -l)"
touch "$TMP/bk/$n/$n-mine.tar.gz" "$TMP/bk/$n/.$n-20200101T000000Z.tar.gz.partial"
chown "$CTGATE_AGENT_USER" "$TMP/bk/$n/.$n-20200101T000000Z.tar.gz.partial"
sleep 1
agent_as --config "$CTGATE_AGENT_CONF" backup --all --keep 1 "$TMP/bk" >"$TMP/bk5.out" 2>&1
check "a file not named like a backup is never removed" test -e "$TMP/bk/$n/$n-mine.tar.gz"
check_not "a killed run's partial file is" test -e "$TMP/bk/$n/.$n-20200101T000000Z.tar.gz.partial"
check_eq "and --keep 1 kept the new one only" 1 "$(ls "$TMP/bk/$n" | grep -cE "^$n-[0-9]{8}T[0-9]{6}Z\.tar\.gz$")"
chmod 0777 "$TMP/bk"
agent_as --config "$CTGATE_AGENT_CONF" backup --all "$TMP/bk" >"$TMP/bk6.out" 2>&1
check_eq "a DIR others may write to: exit 6" 6 "$?"
check "says why" grep -q "must be this account's own directory" "$TMP/bk6.out"
check "no backup left in LXD" no_backup_left "$n"
agent_as --config "$CTGATE_AGENT_CONF" backup "$TMP/bk" >"$TMP/bk4.out" 2>&1
check_eq "backup without --all: exit 2" 2 "$?"

echo "-- the audit trail"
agent_as --config "$CTGATE_AGENT_CONF" audit show --name "$n" --json >"$TMP/audit.json"
check "the export is recorded" jq_true -s '[.[] | select(.op == "export" and .result.ok)] | length >= 1' "$TMP/audit.json"
check "so are the refused and failed ones" jq_true -s '[.[] | select(.op == "export" and .result != null and (.result.ok | not))] | length >= 3' "$TMP/audit.json"
check "and the admin's backups, by @backup" jq_true -s '[.[] | select(.op == "backup" and .who.uid == "@backup" and .result != null)] | length >= 3' "$TMP/audit.json"

gw_run "$TMP/d" alice -T -- delete "$n" --yes
check_eq "delete $n" 0 "$(cat "$TMP/d.rc")"
