#!/bin/bash
# Every create parameter of SPEC §3 that is not about deploying, through the
# real ssh client: an accepted value reaches LXD (read back from LXD's API and
# nginx's files), a refused one gives exit 2 with its reason and creates
# nothing, the flag and the CT_* variable both work, and a flag beats a variable.
source "$(dirname "$0")/../lib.sh"

http=$CTGATE_NGINX_DIR/ctgate/http.conf
created() { CREATED_NAMES+=("$1"); }
# refused NAME EXPECTED_REGEX ssh-options -- words: exit 2, the reason said, nothing made
refused() {
    local n=$1 why=$2
    shift 2
    created "$n"
    gw_run "$TMP/r-$n" alice -T "$@"
    check_eq "$n: exit 2" 2 "$(cat "$TMP/r-$n.rc")"
    check "$n: says '$why'" grep -qE -- "$why" "$TMP/r-$n.err"
    check_eq "$n: no container" 404 "$(lxd_status_code "/1.0/instances/$n")"
    check_not "$n: no reservation" registry_has "$n"
}

echo "-- defaults: the template's size (small: 1 CPU, 128MiB, 1GiB), expiry 7d, HTTP port 80"
a=$(name_for pa)
created "$a"
gw_run "$TMP/a" alice -T -- create --hostname "$a" --json
check_eq "created" 0 "$(cat "$TMP/a.rc")"
check_eq "limits.cpu" 1 "$(lxd_config "$a" limits.cpu)"
check_eq "limits.memory" 128MiB "$(lxd_config "$a" limits.memory)"
check_eq "root disk size" 1GiB "$(lxd_get "/1.0/instances/$a" | jq -r .metadata.expanded_devices.root.size)"
exp=$(lxd_config "$a" user.ctgate.expires)
check_eq "expiry stored on the instance, as reported" "$(jq -r .data.expires "$TMP/a.out")" "$exp"
left=$(( $(date -d "$exp" +%s) - $(date +%s) ))
check "expires in about 7 days ($left s)" test "$left" -gt $((7 * 86400 - 120)) -a "$left" -le $((7 * 86400))
check "nginx routes to port 80" grep -q "proxy_pass http://[0-9.]*:80;" <(grep -A3 "server_name $a\." "$http")

echo "-- flags: --size, --cpu, --memory, --disk, --http-port, --expires"
b=$(name_for pb)
created "$b"
gw_run "$TMP/b" alice -T -- create --hostname "$b" --size medium --cpu 1 --memory 200MiB --disk 1536 --http-port 8080 --expires 90m --json
check_eq "created" 0 "$(cat "$TMP/b.rc")"
check_eq "--cpu replaces the size's 2" 1 "$(lxd_config "$b" limits.cpu)"
check_eq "--memory 200MiB" 200MiB "$(lxd_config "$b" limits.memory)"
check_eq "--disk 1536 (MiB)" 1536MiB "$(lxd_get "/1.0/instances/$b" | jq -r .metadata.expanded_devices.root.size)"
check "nginx routes NAME.DOMAIN to --http-port 8080" grep -q "proxy_pass http://[0-9.]*:8080;" <(grep -A3 "server_name $b\." "$http")
left=$(( $(date -d "$(lxd_config "$b" user.ctgate.expires)" +%s) - $(date +%s) ))
check "--expires 90m ($left s)" test "$left" -gt 5300 -a "$left" -le 5400
check "the answer reports the limits" jq_true '.data.limits == {"cpu":"1","memory":"200MiB","disk":"1536MiB"} and .data.http_port == 8080' "$TMP/b.out"
gw_run "$TMP/bi" alice -T -- info "$b" --json
check "info shows limits, expiry and port as LXD has them" jq_true '.data.limits.memory == "200MiB" and .data.expires != null and .data.http_port == 8080' "$TMP/bi.out"
gw_run "$TMP/bt" alice -T -- info "$b"
check "info as text" grep -qE "limits +1 CPU, 200MiB memory, 1536MiB disk" "$TMP/bt.out"

echo "-- the same through CT_* variables; a flag beats its variable"
c=$(name_for pc)
created "$c"
CT_SIZE=medium CT_MEMORY=256MiB CT_CPU=2 CT_HTTP_PORT=3000 CT_EXPIRES=2h \
    gw_run "$TMP/c" alice -T -o SendEnv=CT_* -- create --hostname "$c" --memory 160MiB --json
check_eq "created" 0 "$(cat "$TMP/c.rc")"
check_eq "CT_CPU=2" 2 "$(lxd_config "$c" limits.cpu)"
check_eq "--memory 160MiB beats CT_MEMORY=256MiB" 160MiB "$(lxd_config "$c" limits.memory)"
check_eq "CT_SIZE=medium gives its disk" 2GiB "$(lxd_get "/1.0/instances/$c" | jq -r .metadata.expanded_devices.root.size)"
check "CT_HTTP_PORT=3000" grep -q "proxy_pass http://[0-9.]*:3000;" <(grep -A3 "server_name $c\." "$http")
left=$(( $(date -d "$(lxd_config "$c" user.ctgate.expires)" +%s) - $(date +%s) ))
check "CT_EXPIRES=2h ($left s)" test "$left" -gt 7100 -a "$left" -le 7200

echo "-- sizes as people write them: MB/GB decimal, M/G/MiB/GiB binary, the exact bytes reach LXD"
s1=$(name_for ps1)
created "$s1"
gw_run "$TMP/s1" alice -T -- create --hostname "$s1" --memory 256MB --disk 2GB --json
check_eq "--memory 256MB created" 0 "$(cat "$TMP/s1.rc")"
check_eq "--memory 256MB reaches LXD as 256MB" 256MB "$(lxd_config "$s1" limits.memory)"
check_eq "--disk 2GB reaches LXD as 2GB" 2GB "$(lxd_get "/1.0/instances/$s1" | jq -r .metadata.expanded_devices.root.size)"
check "the answer reports them as LXD has them" jq_true '.data.limits.memory == "256MB" and .data.limits.disk == "2GB"' "$TMP/s1.out"
s2=$(name_for ps2)
created "$s2"
CT_MEMORY=192m gw_run "$TMP/s2" alice -T -o SendEnv=CT_MEMORY -- create --hostname "$s2" --disk 1g --json
check_eq "CT_MEMORY=192m created" 0 "$(cat "$TMP/s2.rc")"
check_eq "192m is 192MiB (binary, any case)" 192MiB "$(lxd_config "$s2" limits.memory)"
check_eq "--disk 1g is 1GiB" 1GiB "$(lxd_get "/1.0/instances/$s2" | jq -r .metadata.expanded_devices.root.size)"
s3=$(name_for ps3)
created "$s3"
gw_run "$TMP/s3" alice -T -- create --hostname "$s3" --memory 256M --json
check_eq "--memory 256M created" 0 "$(cat "$TMP/s3.rc")"
check_eq "--memory 256M is 256MiB" 256MiB "$(lxd_config "$s3" limits.memory)"
# 269MB = 269000000 bytes > 256MiB = 268435456: the ceiling is compared in bytes.
refused "$(name_for rs1)" "memory 269MB is more than template busybox allows \(256MiB\)" -- create --hostname "$(name_for rs1)" --memory 269MB
refused "$(name_for rs2)" "at least 32MiB" -- create --hostname "$(name_for rs2)" --memory 33MB
refused "$(name_for rs3)" "a size like 512MiB" -- create --hostname "$(name_for rs3)" --memory 256MBs

echo "-- refused at the gateway (its own rules) and by the agent (the admin's policy)"
refused "$(name_for r1)" "a number of CPUs" -- create --hostname "$(name_for r1)" --cpu 0
refused "$(name_for r2)" "a size like 512MiB" -- create --hostname "$(name_for r2)" --memory 1.5G
refused "$(name_for r3)" "at least 256MiB" -- create --hostname "$(name_for r3)" --disk 10M
refused "$(name_for r4)" "a port number" -- create --hostname "$(name_for r4)" --http-port 70000
refused "$(name_for r5)" "a duration like" -- create --hostname "$(name_for r5)" --expires tomorrow
refused "$(name_for r6)" "not a size name" -- create --hostname "$(name_for r6)" --size 'Big!'
refused "$(name_for r7)" "size large is not offered by template busybox" -- create --hostname "$(name_for r7)" --size large
refused "$(name_for r8)" "memory 512MiB is more than template busybox allows \(256MiB\)" -- create --hostname "$(name_for r8)" --memory 512MiB
refused "$(name_for r9)" "cpu 4 is more than" -- create --hostname "$(name_for r9)" --cpu 4
refused "$(name_for ra)" "expiry is at most 30d" -- create --hostname "$(name_for ra)" --expires 5w
refused "$(name_for rb)" "containers must expire, within 30d" -- create --hostname "$(name_for rb)" --expires never
refused "$(name_for rc)" "unknown template" -- create --hostname "$(name_for rc)" --template nope
CT_MEMORY=lots refused "$(name_for rd)" "CT_MEMORY: a size like" -o SendEnv=CT_MEMORY -- create --hostname "$(name_for rd)"
refused "$(name_for re)" "unknown protocol" -- create --hostname "$(name_for re)" --protocol gopher
gw_run "$TMP/rj" alice -T -- create --hostname "$(name_for r1)" --memory 999MiB --json
check "--json error: invalid_value" jq_true '.ok == false and .error.code == "invalid_value"' "$TMP/rj.out"
check_eq "--json error: exit 2" 2 "$(cat "$TMP/rj.rc")"
check_eq "nothing was left anywhere" 0 "$(lxd_instance_count "$(name_for r)")"

echo "-- templates and protocols: what may be asked for"
gw_run "$TMP/t" alice -T -- templates --json
check "templates lists busybox with its sizes, ceiling, runtimes" jq_true '.data.templates[] | select(.name == "busybox") | .sizes == ["small","medium"] and .max.memory == "256MiB" and .runtimes == ["nodejs@20","python@3.11"] and .size == "small"' "$TMP/t.out"
check "and the expiry bounds" jq_true '.data.expiry.max == 2592000 and .data.expiry.default == 604800' "$TMP/t.out"
gw_run "$TMP/tt" alice -T -- templates
check "as text" grep -qE "sizes +small, medium \(default small\)" "$TMP/tt.out"
gw_run "$TMP/p" alice -T -- protocols --json
check "protocols lists the catalogue" jq_true '.data.protocols == [{"name":"echo","port":7,"transport":"tcp"},{"name":"echo-udp","port":7,"transport":"udp"}]' "$TMP/p.out"
gw_run "$TMP/l" alice -T -- list
check "list shows ports and expiry" grep -qE "^$b +[0-9]+ +Running +[0-9.]+ +ssh:[0-9]+ +busybox +[0-9TZ:-]+ +[0-9TZ:-]+$" "$TMP/l.out"

echo "-- --description: stored on the instance, shown by info and list --json; its rules at the gateway"
d=$(name_for pd)
desc='Q3 demo, café ✓'
created "$d"
gw_run "$TMP/d" alice -T -- create --hostname "$d" --description "'$desc'" --json
check_eq "created" 0 "$(cat "$TMP/d.rc")"
check_eq "LXD: user.ctgate.description" "$desc" "$(lxd_config "$d" user.ctgate.description)"
check "the answer has it" jq_true --arg d "$desc" '.data.description == $d' "$TMP/d.out"
gw_run "$TMP/di" alice -T -- info "$d" --json
check "info --json shows it" jq_true --arg d "$desc" '.data.description == $d' "$TMP/di.out"
gw_run "$TMP/dt" alice -T -- info "$d"
check "info as text" grep -qxF "  description    $desc" "$TMP/dt.out"
gw_run "$TMP/dl" alice -T -- list --json
check "list --json shows it" jq_true --arg n "$d" --arg d "$desc" '.data.containers[] | select(.name == $n) | .description == $d' "$TMP/dl.out"
check "list --json: none where none was given" jq_true --arg n "$b" '.data.containers[] | select(.name == $n) | has("description") | not' "$TMP/dl.out"
gw_run "$TMP/dlt" alice -T -- list
check "the list table is as before" grep -qE "^$d +[0-9]+ +Running +[0-9.]+ +ssh:[0-9]+ +busybox +[0-9TZ:-]+ +[0-9TZ:-]+$" "$TMP/dlt.out"
e=$(name_for pe)
created "$e"
CT_DESCRIPTION="from the variable" gw_run "$TMP/e" alice -T -o SendEnv=CT_DESCRIPTION -- create --hostname "$e" --json
check_eq "CT_DESCRIPTION: created" 0 "$(cat "$TMP/e.rc")"
check_eq "CT_DESCRIPTION stored" "from the variable" "$(lxd_config "$e" user.ctgate.description)"
long=$(printf 'x%.0s' $(seq 200))
f=$(name_for pf)
created "$f"
gw_run "$TMP/f" alice -T -- create --hostname "$f" --description "$long" --json
check_eq "200 bytes: created" 0 "$(cat "$TMP/f.rc")"
refused "$(name_for rf)" "--description: a description: 1 to 200 bytes of printable UTF-8" -- create --hostname "$(name_for rf)" --description "${long}x"
CT_DESCRIPTION=$'bell\a and \e[2J' refused "$(name_for rg)" "CT_DESCRIPTION: a description: 1 to 200 bytes" -o SendEnv=CT_DESCRIPTION -- create --hostname "$(name_for rg)"
CT_DESCRIPTION=$'two\nlines' refused "$(name_for rh)" "CT_DESCRIPTION: a description" -o SendEnv=CT_DESCRIPTION -- create --hostname "$(name_for rh)"
