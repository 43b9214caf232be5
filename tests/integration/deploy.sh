#!/bin/bash
# Deploy on create (issue 15), as a user does it: `ssh create-container@gw create --repo ...`
# against the rig's real git server (nginx + git http-backend over HTTPS on the bridge).
#  - The demo node app with redis and the python app with PostgreSQL answer through nginx by
#    hostname, with the --env value and a working redis/database answer in the page; the
#    install and build output was shown live; `logs` shows the app's output.
#  - --env values holding $(...), backticks, quotes, '\', '%' and a 4 KiB value reach .env
#    byte for byte and the app's environment unchanged, and nothing evaluates them.
#  - redeploy after a new commit serves the new version; a redeploy whose build fails leaves
#    the old version answering.
#  - Three deploys of one repository at once do not interfere.
#  - Refused before any container exists, with a clear message and exit 2 or 4: a private
#    repository (401), a missing one (404), a missing branch (naming the branches there are),
#    a host not on the allowed list, names pinned to 127.0.0.1, 169.254.169.254 and an
#    address in the admin's ranges, and --env values that cannot be written (newline, bad
#    keys, 100 KiB).
source "$(dirname "$0")/../lib.sh"
trap finish EXIT

tmpl=${CTGATE_DEBIAN_TEMPLATE:?the rig exports CTGATE_DEBIAN_TEMPLATE}
base=${CTGATE_GIT_BASE:?the rig exports CTGATE_GIT_BASE}
root=${CTGATE_GIT_ROOT:?the rig exports CTGATE_GIT_ROOT}
page() { curl -s --max-time 10 -H "Host: $1.$CTGATE_DOMAIN" "http://127.0.0.1:$CTGATE_HTTP_PORT/"; }
in_ct() { LXD_DIR=$CTGATE_LXD_DIR lxc exec "$1" -- "${@:2}"; }
# page_has NAME LINE: the app's page has that line, within about 10 s (nginx reloads after the
# create has answered, so the very first request may still meet the catch-all server).
page_line() { page "$1" | grep -qxF -- "$2"; }
page_has() { eventually page_line "$1" "$2"; }
no_instance() { check_eq "(no instance $1)" 404 "$(lxd_status_code "/1.0/instances/$1")"; }

echo "-- the node app with redis, through the gateway"
a=$(name_for dp-node)
CREATED_NAMES+=("$a")
greeting='hello $(touch /tmp/ctgate-pwned-env) `touch /tmp/ctgate-pwned-bt` "dq" '"'sq'"' \back 100% ${HOME}'
big=$(head -c 3072 /dev/urandom | base64 -w0 | head -c 4096)
gw_run "$TMP/a" alice -T -- create --hostname "$a" --template "$tmpl" --http-port 3000 \
    --repo "$base/demo/node-app.git" --install "'node --version'" --build "'node build.js'" \
    --start "'node server.js'" --service redis --env "$(printf '%q' "GREETING=$greeting")" \
    --env "BIG=$big"
check_eq "create --repo: exit 0" 0 "$(cat "$TMP/a.rc")" || sed 's/^/    | /' "$TMP/a.err" "$TMP/a.out"
check "the build's output was shown as it ran" grep -qF "| built version 1" "$TMP/a.out"
check "each deploy step was shown" grep -qE "done +run your build command" "$TMP/a.out"
check "the app answers through nginx by hostname" page_has "$a" "app=node version=1"
page "$a" > "$TMP/a.page"
check_eq "with the --env value exactly" "greeting=$greeting" "$(grep '^greeting=' "$TMP/a.page")"
hits=$(sed -n 's/^redis=hits \([0-9]*\)$/\1/p' "$TMP/a.page")
check "and redis answers it (hits $hits)" test -n "$hits"
check_eq "(counting: the next page says one more)" "redis=hits $((${hits:-0} + 1))" "$(page "$a" | grep '^redis=')"
lxd_file "$a" /srv/app/current/.env > "$TMP/a.env"
check ".env holds the value byte for byte" grep -qxF "GREETING=$greeting" "$TMP/a.env"
check ".env holds the 4 KiB value" grep -qxF "BIG=$big" "$TMP/a.env"
check ".env has REDIS_URL from the service" grep -q '^REDIS_URL=redis://' "$TMP/a.env"
check_eq ".env is the owner's, 0600" "alice 600" "$(in_ct "$a" stat -c '%U %a' /srv/app/current/.env)"
check_not "nothing evaluated on the host" test -e /tmp/ctgate-pwned-env -o -e /tmp/ctgate-pwned-bt
check_not "nor in the container" in_ct "$a" test -e /tmp/ctgate-pwned-env -o -e /tmp/ctgate-pwned-bt
check_eq "the app runs as alice, not root" alice "$(in_ct "$a" ps -o user= -C node | head -1)"
check "ctgate-app.service is enabled (starts at boot)" in_ct "$a" systemctl is-enabled --quiet ctgate-app.service

echo "-- logs: the app's output"
gw_run "$TMP/logs" alice -T -- logs "$a" --lines 20
check_eq "logs: exit 0" 0 "$(cat "$TMP/logs.rc")"
check "shows what the app printed" grep -q "node app listening on 3000" "$TMP/logs.out"
password_of bob > "$TMP/logsb.in"
gw_run "$TMP/logsb" bob -T -- logs "$a" --user bob --password-stdin
check_eq "bob cannot read alice's app's logs (no such container: exit 4)" 4 "$(cat "$TMP/logsb.rc")"

echo "-- the python app with PostgreSQL; no secret on a command line of the host"
b=$(name_for dp-py)
CREATED_NAMES+=("$b")
secret="s3cret-$RUN_ID-value"
# Every process of the host, while the create runs (its install sleeps so there is time):
# no command line (world-readable) and no environment may hold the --env value, but the
# user's own ssh client (the test, standing for the user's machine), the gateway's account,
# which was given it, and the container's own processes' environments (the install command
# and the app get the variables by design; their uids are the container's, mapped from 100000 up by /etc/subuid).
watch_host() {
    local f pid owner comm uid
    while [ ! -e "$TMP/b.done" ]; do
        for f in $(grep -laF "$secret" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null); do
            pid=${f#/proc/}; pid=${pid%%/*}
            uid=$(stat -c %u "/proc/$pid" 2>/dev/null) || continue
            [ "${f##*/}" = environ ] && [ "$uid" -ge 100000 ] && continue
            owner=$(stat -c %U "/proc/$pid" 2>/dev/null) || continue
            comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
            [ "$owner" = "$CTGATE_GATEWAY_USER" ] || [ "$comm" = ssh ] || [ "$pid" = "$BASHPID" ] ||
                [ "$pid" = $$ ] || [ "$comm" = grep ] || echo "$f ($owner, $comm)" >> "$TMP/b.seen"
        done
        sleep 0.1
    done
}
: > "$TMP/b.seen"
watch_host &
watcher=$!
gw_run "$TMP/b" alice -T -o SendEnv=CT_ENV -- create --hostname "$b" --template "$tmpl" --http-port 8000 \
    --repo "$base/demo/python-app.git" --install "'sleep 3'" --start "'python3 app.py'" \
    --service postgresql --env "'GREETING=from python'" --env "TOKEN=$secret"
touch "$TMP/b.done"
wait "$watcher"
check_eq "create --repo (python, postgresql): exit 0" 0 "$(cat "$TMP/b.rc")" || sed 's/^/    | /' "$TMP/b.err" "$TMP/b.out"
check "the python app answers" page_has "$b" "app=python"
page "$b" > "$TMP/b.page"
check "with its greeting" grep -qx "greeting=from python" "$TMP/b.page"
check "and its database answers (DATABASE_URL from .env)" grep -qE "^db=visit [0-9]+$" "$TMP/b.page"
check ".env has DATABASE_URL with a password" grep -qE '^DATABASE_URL=postgresql://app:[A-Za-z0-9]{16,}@' \
    <(lxd_file "$b" /srv/app/current/.env)
pw=$(lxd_file "$b" /srv/app/current/.env | sed -n 's|^DATABASE_URL=postgresql://app:\([A-Za-z0-9]*\)@.*|\1|p')
check_eq "no host process showed the --env value on its command line or in its environment" "" \
    "$(sort -u "$TMP/b.seen" | tr '\n' ' ')"
check_not "the database password is not in LXD's log" grep -qF "${pw:-none}" "$CTGATE_RIG_DIR/lxd.log"
check_not "nor in the audit trail" grep -qF "${pw:-none}" "$CTGATE_AGENT_STATE/audit.log"
check_not "nor the --env value" grep -qF "$secret" "$CTGATE_AGENT_STATE/audit.log"
check_not "the set-up script is gone from the container" in_ct "$b" test -e /run/ctgate-deploy-setup
check_not "and the commands' variables file" in_ct "$b" test -e /run/ctgate-deploy-env

echo "-- redeploy: a new commit is served; a broken build leaves the old version answering"
mkdir -p "$root/test-$RUN_ID"
git clone -q --bare "$root/demo/node-app.git" "$root/test-$RUN_ID/app.git"
chmod -R a+rX "$root/test-$RUN_ID"
c=$(name_for dp-redeploy)
CREATED_NAMES+=("$c")
gw_run "$TMP/c" alice -T -- create --hostname "$c" --template "$tmpl" --http-port 3000 \
    --repo "$base/test-$RUN_ID/app.git" --build "'node build.js'" --start "'node server.js'"
check_eq "create: exit 0" 0 "$(cat "$TMP/c.rc")" || sed 's/^/    | /' "$TMP/c.err"
check "version 1 answers" page_has "$c" "app=node version=1"
push_version() { # VERSION [BUILD-SCRIPT]
    local w=$TMP/work
    rm -rf "$w" && git clone -q "$root/test-$RUN_ID/app.git" "$w"
    echo "$1" > "$w/VERSION"
    [ -n "${2:-}" ] && printf '%s\n' "$2" > "$w/build.js"
    git -C "$w" -c user.name=t -c user.email=t@ctgate.test commit -qam "version $1"
    git -C "$w" push -q origin HEAD:main
}
push_version 2
gw_run "$TMP/rd" alice -T -- redeploy "$c"
check_eq "redeploy: exit 0" 0 "$(cat "$TMP/rd.rc")" || sed 's/^/    | /' "$TMP/rd.err"
check "version 2 answers" grep -qx "app=node version=2" <(page "$c")
push_version 3 "process.exit(7)"
gw_run "$TMP/rd2" alice -T -- redeploy "$c"
check_eq "a redeploy whose build fails: exit 6" 6 "$(cat "$TMP/rd2.rc")"
check "it says the build failed" grep -q "build exited with 7" "$TMP/rd2.err"
check "version 2 still answers" grep -qx "app=node version=2" <(page "$c")
check_eq "one release left in the container" 1 "$(in_ct "$c" ls /srv/app/releases | wc -l)"

echo "-- three deploys of one repository at once (bob)"
pids=()
for i in 1 2 3; do
    n=$(name_for "dp-par$i")
    CREATED_NAMES+=("$n")
    password_of bob > "$TMP/par$i.in"
    gw_run "$TMP/par$i" bob -T -- create --hostname "$n" --template "$tmpl" --size small \
        --http-port 3000 --repo "$base/demo/node-app.git" --build "'node build.js'" \
        --start "'node server.js'" --env "GREETING=par$i" --user bob --password-stdin &
    pids+=($!)
done
wait "${pids[@]}"
for i in 1 2 3; do
    n=$(name_for "dp-par$i")
    check_eq "parallel create $i: exit 0" 0 "$(cat "$TMP/par$i.rc")" || sed 's/^/    | /' "$TMP/par$i.err"
    check "app $i answers with its own greeting" page_has "$n" "greeting=par$i"
done

echo "-- refused before anything is created"
# refused PREFIX EXIT MESSAGE-PART NAME: the create failed so, and made nothing.
refused() {
    check_eq "exit $2" "$2" "$(cat "$1.rc")"
    check "says: $3" grep -qF -- "$3" "$1.err"
    no_instance "$4"
}
d=$(name_for dp-no)
CREATED_NAMES+=("$d")
gw_run "$TMP/priv" alice -T -- create --hostname "$d" --template "$tmpl" --repo "$base/private/secret.git"
refused "$TMP/priv" 2 "not found or not public" "$d"
gw_run "$TMP/miss" alice -T -- create --hostname "$d" --template "$tmpl" --repo "$base/demo/nothing.git"
refused "$TMP/miss" 2 "not found or not public" "$d"
check_eq "(the same words for both)" "$(cat "$TMP/priv.err")" "$(sed "s|demo/nothing|private/secret|" "$TMP/miss.err")"
gw_run "$TMP/br" alice -T -- create --hostname "$d" --template "$tmpl" --repo "$base/demo/node-app.git" --branch nope
refused "$TMP/br" 2 "nope" "$d"
check "names the branches there are" grep -q "main" "$TMP/br.err"
gw_run "$TMP/host" alice -T -- create --hostname "$d" --template "$tmpl" --repo "https://github.com/torvalds/linux.git"
refused "$TMP/host" 2 "not on the list of allowed hosts" "$d"
for h in loop meta lan; do
    gw_run "$TMP/$h" alice -T -- create --hostname "$d" --template "$tmpl" --repo "https://$h.ctgate.test/x.git"
    refused "$TMP/$h" 2 "an address the gateway may not reach" "$d"
done
gw_run "$TMP/nl" alice -T -- create --hostname "$d" --template "$tmpl" --repo "$base/demo/node-app.git" \
    --env "$(printf '%q' "$(printf 'A=one\ntwo')")"
check_ne "a newline in a value: refused" 0 "$(cat "$TMP/nl.rc")"
no_instance "$d"
for bad in 1X=v A-B=v; do
    gw_run "$TMP/key" alice -T -- create --hostname "$d" --template "$tmpl" --repo "$base/demo/node-app.git" --env "$bad"
    refused "$TMP/key" 2 "not KEY=VALUE" "$d"
done
printf 'HUGE=%s' "$(head -c 102400 /dev/zero | tr '\0' x)" > "$TMP/huge"
gw_run "$TMP/huge" alice -T -o SendEnv=CT_ENV -- create --hostname "$d" --template "$tmpl" \
    --repo "$base/demo/node-app.git" --env "HUGE=$(head -c 102400 /dev/zero | tr '\0' x)"
check_ne "a 100 KiB value: refused" 0 "$(cat "$TMP/huge.rc")"
no_instance "$d"
gw_run "$TMP/alone" alice -T -- create --hostname "$d" --template "$tmpl" --start "'node x.js'"
refused "$TMP/alone" 2 "needs --repo" "$d"
rm -rf "${root:?}/test-$RUN_ID"
