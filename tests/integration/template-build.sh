#!/bin/bash
# ctgate-agent template build, as root on the hypervisor: a recipe in
# agent.conf becomes an LXD image under the template's alias (mmdebstrap);
# building again with unchanged inputs reuses it, a changed package list
# makes a new image (and the old one goes), an image LXD lost comes back from
# the template cache without a bootstrap, a build that fails (an unknown
# package) leaves no alias; each run is a signed build record that `audit
# verify` accepts, and `templates` through the gateway shows when the image
# was built and its fingerprint.  A container boots from the image with its
# own SSH host keys and machine-id.
# The rig's agent.conf gets two templates for the test's duration.
source "$(dirname "$0")/../lib.sh"

# Fixed names: the template cache is keyed by the inputs, and an image imported
# from it carries the name of the template that first built those inputs.
t=tbtest
bad=tbbad
img=ctgrig-$t
bad_img=ctgrig-$bad
conf=$CTGATE_AGENT_CONF
cp "$conf" "$TMP/agent.conf.orig"

restore() {
    cp "$TMP/agent.conf.orig" "$conf.new" && mv -f "$conf.new" "$conf"
    local a
    for a in "$img" "$bad_img"; do
        LXD_DIR=$CTGATE_LXD_DIR lxc image delete "$a" >/dev/null 2>&1 || true
    done
}
trap 'restore; finish' EXIT

# write_conf PACKAGES: the rig's agent.conf plus the two templates (PACKAGES: a libconfig list body).
write_conf() {
    sed "s|^templates = (\$|&\n  { name = \"$t\"; image = \"$img\"; description = \"built by the test\"; build = { packages = [ $1 ]; }; },\n  { name = \"$bad\"; image = \"$bad_img\"; build = { packages = [ \"no-such-package-ctgate\" ]; }; },|" \
        "$TMP/agent.conf.orig" > "$conf.new"
    chmod 0644 "$conf.new"
    mv -f "$conf.new" "$conf"
}
build() { # PREFIX NAME: ctgate-agent template build NAME as root (sudo'd by dave)
    local out=$1
    shift
    SUDO_USER=dave "$CTGATE_RIG_DIR/bin/ctgate-agent" --config "$conf" template build "$@" \
        >"$out.out" 2>"$out.err"
    echo $? >"$out.rc"
    check_no_sanitizer_report "$out.err"
}
alias_fp() { lxd_get "/1.0/images/aliases/$1" | jq -r '.metadata.target // empty'; }
last_record() { tail -n 1 "$CTGATE_AGENT_STATE/audit.log"; }

write_conf '"jq"'
agent_cmd check-config >"$TMP/cc" 2>&1
check "the rig's configuration with the recipes loads" grep -q ": ok (" "$TMP/cc"

echo "-- the first build"
start=$(date +%s)
build "$TMP/b1" "$t"
check_eq "exit 0" 0 "$(cat "$TMP/b1.rc")" || sed 's/^/    | /' "$TMP/b1.err"
echo "   ($(( $(date +%s) - start ))s: $(tail -n 1 "$TMP/b1.out"))"
check "says it built it, or imported the cached image of an earlier run" \
    grep -qE "^template $t: (built|imported the cached) image [0-9a-f]{12} \([0-9]+ MiB\) as $img" "$TMP/b1.out"
fp1=$(alias_fp "$img")
check "LXD: the alias names an image" test -n "$fp1"
lxd_get "/1.0/images/$fp1" > "$TMP/img1"
inputs=$(jq -r '.metadata.properties["ctgate.inputs"]' "$TMP/img1")
check "the image carries its inputs hash" grep -qE '^[0-9a-f]{64}$' <<<"$inputs"
check "and the template's name" jq_true --arg t "$t" '.metadata.properties["ctgate.template"] == $t' "$TMP/img1"
check "the cache holds it by inputs hash" test -f "/var/cache/ctgate-rig/templates/$inputs.lxd.tar"
last_record > "$TMP/r1"
check "a build record: op template-build, ok, who is the sudo user" \
    jq_true --arg t "$t" '.op == "template-build" and .result.ok and .who.uid == "dave" and .params.template == $t' "$TMP/r1"
check "after its begin record, written before the build changed anything" \
    jq_true -s --arg t "$t" '.[0].phase == "begin" and .[0].op == "template-build" and .[0].params.template == $t and .[1].begin == .[0].seq' \
    <(tail -n 2 "$CTGATE_AGENT_STATE/audit.log")
check "with the inputs hash, fingerprint, size and duration" \
    jq_true --arg i "$inputs" --arg fp "$fp1" '.params.inputs == $i and .params.fingerprint == $fp and .params.size > 0 and .params.duration_ms >= 0' "$TMP/r1"
check "and every package with its version (jq, openssh-server among them)" \
    jq_true '.params.packages.jq != null and (.params.packages["openssh-server"] | test("^[0-9]")) and (.params.packages | length) > 100' "$TMP/r1"
check_eq "the audit trail stays the agent's" "$CTGATE_AGENT_USER" "$(stat -c %U "$CTGATE_AGENT_STATE/audit.head")"

echo "-- a container from it"
n=$(name_for tb)
CREATED_NAMES+=("$n")
LXD_DIR=$CTGATE_LXD_DIR lxc launch "$img" "$n" >/dev/null 2>&1
check "boots" test "$(lxd_state "$n")" = Running
for _ in $(seq 60); do
    LXD_DIR=$CTGATE_LXD_DIR lxc exec "$n" -- test -s /etc/ssh/ssh_host_ed25519_key 2>/dev/null && break
    sleep 0.5
done
check "made its own SSH host keys" env LXD_DIR=$CTGATE_LXD_DIR lxc exec "$n" -- test -s /etc/ssh/ssh_host_ed25519_key
check "and its own machine-id" env LXD_DIR=$CTGATE_LXD_DIR lxc exec "$n" -- grep -qE '^[0-9a-f]{32}$' /etc/machine-id
check_eq "its hostname is its name" "$n" "$(LXD_DIR=$CTGATE_LXD_DIR lxc exec "$n" -- cat /etc/hostname)"
LXD_DIR=$CTGATE_LXD_DIR lxc delete --force "$n" >/dev/null 2>&1

echo "-- unchanged inputs"
build "$TMP/b2" "$t"
check_eq "exit 0" 0 "$(cat "$TMP/b2.rc")"
check "says the image was reused" grep -q "^template $t: inputs unchanged .* reused" "$TMP/b2.out"
check_eq "the same image" "$fp1" "$(alias_fp "$img")"
check "a build record saying so" jq_true '.op == "template-build" and .result.ok and .params.source == "reused"' <(last_record)

echo "-- templates through the gateway"
gw_run "$TMP/t" alice -T -- templates --json
check "shows the fingerprint and when it was built" \
    jq_true --arg t "$t" --arg fp "$fp1" '.data.templates[] | select(.name == $t) | .build.fingerprint == $fp and (.build.built | test("^[0-9]{4}-"))' "$TMP/t.out"
check "busybox (no recipe) answers as before" jq_true '.data.templates[] | select(.name == "busybox") | has("build") | not' "$TMP/t.out"
check "the bad one was never built" jq_true --arg t "$bad" '.data.templates[] | select(.name == $t) | .build == null' "$TMP/t.out"
gw_run "$TMP/tt" alice -T -- templates
check "text: built TIME, image FINGERPRINT" grep -qE "^  built +[0-9]{4}-[0-9]{2}-[0-9]{2}T.*, image ${fp1:0:12}\$" "$TMP/tt.out"
check "text: not yet" grep -qE "^  built +not yet\$" "$TMP/tt.out"

echo "-- LXD lost the image: back from the cache"
LXD_DIR=$CTGATE_LXD_DIR lxc image delete "$img" >/dev/null 2>&1
check_eq "gone" 404 "$(lxd_status_code "/1.0/images/$fp1")"
build "$TMP/b3" "$t"
check_eq "exit 0" 0 "$(cat "$TMP/b3.rc")"
check "imported from the cache" grep -q "^template $t: imported the cached image" "$TMP/b3.out"
check_eq "the same fingerprint" "$fp1" "$(alias_fp "$img")"
check "no bootstrap step" jq_true '.params.source == "cache" and (.steps | map(.step) == ["import"])' <(last_record)

echo "-- a changed package list"
write_conf '"jq", "less"'
build "$TMP/b4" "$t"
check_eq "exit 0" 0 "$(cat "$TMP/b4.rc")" || sed 's/^/    | /' "$TMP/b4.err"
fp2=$(alias_fp "$img")
check_ne "a new image" "$fp1" "$fp2"
check "its record has less" jq_true '.params.packages.less != null' <(last_record)
check_ne "new inputs" "$inputs" "$(lxd_get "/1.0/images/$fp2" | jq -r '.metadata.properties["ctgate.inputs"]')"
check_eq "the old image is deleted (nothing names it)" 404 "$(lxd_status_code "/1.0/images/$fp1")"

echo "-- an unknown package"
build "$TMP/b5" "$bad"
check_eq "exit 6" 6 "$(cat "$TMP/b5.rc")"
check "names the package" grep -q "Unable to locate package no-such-package-ctgate" "$TMP/b5.err"
check_eq "no alias" 404 "$(lxd_status_code "/1.0/images/aliases/$bad_img")"
check "a failed build record at bootstrap" jq_true --arg t "$bad" '.params.template == $t and (.result.ok | not) and .result.step == "bootstrap"' <(last_record)
check_eq "no work directory left" "" "$(find /var/cache/ctgate-rig/templates -maxdepth 1 -name 'build-*')"

echo "-- refusals"
build "$TMP/b6" busybox
check_eq "a template without a recipe: exit 2" 2 "$(cat "$TMP/b6.rc")"
check "says so" grep -q "template busybox has no build recipe" "$TMP/b6.err"
build "$TMP/b7" nosuch
check_eq "no such template: exit 2" 2 "$(cat "$TMP/b7.rc")"
runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" --config "$conf" template build "$t" \
    >"$TMP/b8.out" 2>"$TMP/b8.err"
check_eq "not as root: exit 4" 4 "$?"

agent_cmd audit verify >"$TMP/v" 2>&1
check_eq "audit verify: intact with the build records" 0 "$?" || cat "$TMP/v"
