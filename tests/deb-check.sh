#!/bin/bash
# The Debian packages, as .ci/run checks them (as root, no rig needed):
#   1. `make deb` builds ctgate-gateway and ctgate-agent into build/deb;
#   2. lintian: any error or warning fails (debian/*.lintian-overrides say which tags are
#      accepted and why);
#   3. the unpacked binaries run: --version, and check-config of the packaged agent.conf;
#   4. a throwaway Debian 12 root (mmdebstrap, minbase plus the packages' dependencies, from
#      the mirror: about 30 s) gets them installed with dpkg -i, reinstalled over a changed
#      conffile (the change is kept, no key is made again), removed (state and keys stay)
#      and purged (what postinst made is gone, nothing else in the root changed, the
#      accounts stay).  Its commands run through unshare, with a /proc of their own that
#      goes with them; nothing on this machine outside the root is touched: the rig's own
#      accounts (create-container among them) are never seen by the packages.
# DEB_BUILD_OPTIONS defaults to nocheck (CI ran the unit tests already); CTGATE_DEB_MIRROR
# names the Debian mirror (default http://deb.debian.org/debian); CTGATE_DEB_KEEP=1 keeps
# the root for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-nocheck}
MIRROR=${CTGATE_DEB_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
start=$(date +%s)
step() { printf '== deb-check: %s (%ss)\n' "$*" "$(($(date +%s) - start))"; }
fail() { printf 'deb-check: FAIL: %s\n' "$*" >&2; exit 1; }

work=$(mktemp -d /tmp/ctgate-deb.XXXXXX)
cleanup() {
    if [ "${CTGATE_DEB_KEEP:-0}" = 1 ]; then
        echo "deb-check: the root is kept in $work/root" >&2
    else
        rm -rf --one-file-system "$work"
    fi
}
trap cleanup EXIT

step "make deb"
make deb
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
version=$(dpkg-parsechangelog -SVersion)
gw_deb=build/deb/ctgate-gateway_${version}_$arch.deb
agent_deb=build/deb/ctgate-agent_${version}_$arch.deb
for d in "$gw_deb" "$agent_deb"; do [ -f "$d" ] || fail "make deb made no $d"; done
left=$(git ls-files --others --ignored --exclude-standard -- debian build/debian build/debian-test)
[ -z "$left" ] || fail "make deb left behind: $left"

step "lintian"
lintian --fail-on error,warning --display-info "build/deb/ctgate_${version}_$arch.changes" ||
    fail "lintian found errors or warnings (above)"

step "the unpacked binaries"
x=$work/unpacked
dpkg-deb -x "$gw_deb" "$x" && dpkg-deb -x "$agent_deb" "$x"
want=${version%-*}
[ "$("$x/usr/libexec/ctgate/ctgate" --version)" = "ctgate $want" ] || fail "ctgate --version"
[ "$("$x/usr/libexec/ctgate/ctgate-agent" --version)" = "ctgate-agent $want" ] ||
    fail "ctgate-agent --version"
rc=0
"$x/usr/libexec/ctgate/ctgate-keys" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "ctgate-keys without arguments: exit $rc, not its usage's 2"
"$x/usr/libexec/ctgate/ctgate-agent" --config "$x/etc/ctgate/agent.conf" check-config

step "a throwaway $SUITE root (mmdebstrap from $MIRROR)"
# The packages' dependencies, each first alternative, without versions: what apt would
# have installed for `apt install ./ctgate-*.deb` (Recommends left out).
deps=$(for d in "$gw_deb" "$agent_deb"; do dpkg-deb -f "$d" Depends; done |
    tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g' | sort -u | paste -sd, -)
root=$work/root
mmdebstrap --quiet --variant=minbase --include="$deps" "$SUITE" "$root" \
    "deb $MIRROR $SUITE main"
mkdir "$root/debs"
cp "$gw_deb" "$agent_deb" "$root/debs/"
gw_in=/debs/${gw_deb##*/}
agent_in=/debs/${agent_deb##*/}

# A command in the root: its own mount and pid namespaces, /proc mounted for it alone.
in_root() {
    unshare --mount --pid --fork --mount-proc="$root/proc" \
        chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"
}
# What the packages may change in the root besides their own files: the account databases,
# dpkg's and debconf's records and logs.  The rest must be as it was: the same paths with the
# same modes and owners, and no file (other than a directory) written since $work/marker.
KEEP_OUT=(\( -path ./proc -o -path ./debs -o -path ./tmp -o -path ./run -o -path ./var/lib/dpkg
    -o -path ./var/log -o -path ./var/cache/debconf -o -path './etc/passwd*' -o -path './etc/group*'
    -o -path './etc/shadow*' -o -path './etc/gshadow*' -o -path './etc/subuid*'
    -o -path './etc/subgid*' \) -prune)
snapshot() {
    (cd "$root" && find . -xdev "${KEEP_OUT[@]}" -o -printf '%p %M %u %g\n' | LC_ALL=C sort)
}
written() {
    (cd "$root" && find . -xdev "${KEEP_OUT[@]}" -o ! -type d -newer "$work/marker" -print)
}
# PATH MODE OWNER: that file exists with that mode and owner (names as the root knows them).
has() {
    local got
    got=$(in_root stat -c '%a %U' "$1" 2>/dev/null) || fail "$1 is missing"
    [ "$got" = "$2 $3" ] || fail "$1 is '$got', not '$2 $3'"
}
gone() {
    for p in "$@"; do [ ! -e "$root$p" ] || fail "$p is still there"; done
}
account() { # NAME HOME SHELL PASSWORD
    local pw sh
    pw=$(in_root getent passwd "$1") || fail "no account $1"
    IFS=: read -r _ _ _ _ _ home sh <<<"$pw"
    [ "$home $sh" = "$2 $3" ] || fail "account $1: home and shell '$home $sh', not '$2 $3'"
    [ "$(in_root getent shadow "$1" | cut -d: -f2)" = "$4" ] || fail "account $1: password not '$4'"
}
before=$(snapshot)
touch "$work/marker"
sleep 1

step "install (dpkg -i)"
in_root dpkg -i "$gw_in" "$agent_in"
account create-container /var/lib/ctgate-gateway /bin/sh '*'
account ctgate-keys /nonexistent /usr/sbin/nologin '!'
account ctgate /var/lib/ctgate /bin/sh '*'
has /var/lib/ctgate-gateway 700 create-container
has /var/lib/ctgate-gateway/throttle 700 create-container
has /etc/ctgate/agent_key 600 create-container
has /etc/ctgate/agent_key.pub 644 root
has /var/lib/ctgate 700 ctgate
has /var/lib/ctgate/audit.key 600 ctgate
has /var/lib/ctgate/audit.pub 644 ctgate
has /etc/ctgate/gateway.conf 644 root
has /etc/ctgate/agent.conf 644 root
has /usr/libexec/ctgate/ctgate 755 root
has /usr/libexec/ctgate/ctgate-keys 755 root
has /usr/share/ctgate/sshd-ctgate-keys.conf 644 root
has /usr/share/ctgate/sshd-agent.conf 644 root
has /lib/systemd/system/ctgate-reap.timer 644 root
has /lib/systemd/system/ctgate-backup.timer 644 root
has /lib/systemd/system/ctgate-pool-fill.timer 644 root
grep -q '^ExecStart=/usr/libexec/ctgate/ctgate-agent .* pool fill$' "$root/lib/systemd/system/ctgate-pool-fill.service" ||
    fail "ctgate-pool-fill.service does not run /usr/libexec/ctgate/ctgate-agent pool fill"
grep -q '^ExecStart=/usr/libexec/ctgate/ctgate-agent .* reap$' "$root/lib/systemd/system/ctgate-reap.service" ||
    fail "ctgate-reap.service does not run /usr/libexec/ctgate/ctgate-agent"
grep -q '^ExecStart=/usr/libexec/ctgate/ctgate-agent .* backup --all /var/backups/ctgate$' \
    "$root/lib/systemd/system/ctgate-backup.service" ||
    fail "ctgate-backup.service does not run /usr/libexec/ctgate/ctgate-agent backup --all"
grep -q '/usr/libexec/ctgate/ctgate-keys --config' "$root/usr/share/ctgate/sshd-ctgate-keys.conf" ||
    fail "sshd-ctgate-keys.conf does not name /usr/libexec/ctgate/ctgate-keys"
# Enabling is the administrator's: no snippet in sshd's directory, the timer not enabled.
gone /etc/ssh/sshd_config.d/ctgate-gateway.conf /etc/ssh/sshd_config.d/ctgate-agent.conf \
    /etc/systemd/system/timers.target.wants/ctgate-reap.timer \
    /etc/systemd/system/timers.target.wants/ctgate-backup.timer \
    /etc/systemd/system/timers.target.wants/ctgate-pool-fill.timer
in_root /usr/libexec/ctgate/ctgate --version
in_root /usr/libexec/ctgate/ctgate-agent --version
in_root runuser -u ctgate -- /usr/libexec/ctgate/ctgate-agent check-config
in_root runuser -u ctgate -- /usr/libexec/ctgate/ctgate-agent audit verify
in_root runuser -u create-container -- ssh-keygen -l -f /etc/ctgate/agent_key >/dev/null ||
    fail "create-container cannot read its key"

step "reinstall over changed conffiles (dpkg -i again)"
sed -i 's/hv1\.example\.org/hv9.example.org/' "$root/etc/ctgate/gateway.conf"
echo '# the administrator was here' >>"$root/etc/ctgate/agent.conf"
keys=$(cd "$root" && sha256sum etc/ctgate/agent_key var/lib/ctgate/audit.key)
in_root dpkg -i "$gw_in" "$agent_in" </dev/null
grep -q 'host = "hv9.example.org"' "$root/etc/ctgate/gateway.conf" || fail "gateway.conf lost the change"
tail -n 1 "$root/etc/ctgate/agent.conf" | grep -q 'administrator was here' || fail "agent.conf lost the change"
[ "$(cd "$root" && sha256sum etc/ctgate/agent_key var/lib/ctgate/audit.key)" = "$keys" ] ||
    fail "a key was made again"
gone /etc/ctgate/gateway.conf.dpkg-new /etc/ctgate/agent.conf.dpkg-new \
    /etc/ctgate/gateway.conf.dpkg-dist /etc/ctgate/agent.conf.dpkg-dist
in_root runuser -u ctgate -- /usr/libexec/ctgate/ctgate-agent check-config

step "remove (dpkg --remove): configuration, state and keys stay"
in_root dpkg --remove ctgate-gateway ctgate-agent
gone /usr/libexec/ctgate /usr/share/ctgate
has /etc/ctgate/gateway.conf 644 root
has /etc/ctgate/agent_key 600 create-container
has /var/lib/ctgate/audit.key 600 ctgate
has /var/lib/ctgate-gateway/throttle 700 create-container

step "purge (dpkg --purge): what postinst made is gone, nothing else changed"
in_root dpkg --purge ctgate-gateway ctgate-agent
gone /etc/ctgate /var/lib/ctgate /var/lib/ctgate-gateway
for u in create-container ctgate-keys ctgate; do
    in_root getent passwd "$u" >/dev/null || fail "account $u went: purge keeps the accounts"
done
# shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
[ -z "$(in_root dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' 'ctgate-*' 2>/dev/null)" ] ||
    fail "dpkg still knows a ctgate package"
after=$(snapshot)
if [ "$before" != "$after" ]; then
    diff <(echo "$before") <(echo "$after") >&2 || true
    fail "the root's files differ from before the install (above)"
fi
changed=$(written)
[ -z "$changed" ] || fail "files outside the packages' were written: $changed"


step "passed"
