#!/bin/sh
# Builds the rig's busybox LXD image: prints the path of a cached
# "meta.tar.gz rootfs.tar.gz" pair, rebuilding only when the inputs changed.
# Usage: build-image.sh CACHE_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=$1
busybox=$(command -v busybox)
key=$(cat "$busybox" "$here"/image/* "$0" | sha256sum | cut -c1-16)
out=$cache/busybox-$key
if [ -f "$out/rootfs.tar.gz" ] && [ -f "$out/meta.tar.gz" ]; then
    echo "$out"
    exit 0
fi
mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/bin "$root"/sbin "$root"/usr/bin "$root"/usr/sbin "$root"/etc \
    "$root"/proc "$root"/sys "$root"/dev "$root"/tmp "$root"/root "$root"/home \
    "$root"/run "$root"/var/log "$root"/usr/share/udhcpc "$root"/usr/local/bin
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list-full); do
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
install -m 0644 "$here/image/inittab" "$root/etc/inittab"
install -m 0755 "$here/image/default.script" "$root/usr/share/udhcpc/default.script"
install -m 0755 "$here/image/useradd" "$root/usr/sbin/useradd"
install -m 0755 "$here/image/chpasswd" "$root/usr/sbin/chpasswd"
install -m 0755 "$here/image/fake-sshd" "$root/usr/local/bin/fake-sshd"
cc -static -O2 -o "$root/usr/local/bin/udp-echo" "$here/image/udp-echo.c"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' > "$root/etc/shadow"
chmod 0600 "$root/etc/shadow"
echo ctgrig > "$root/etc/hostname"
cat > "$work/metadata.yaml" <<META
architecture: $(uname -m)
creation_date: $(date +%s)
properties:
  description: ctgate test rig busybox image
  os: busybox
  release: rig
templates:
  /etc/hostname:
    when: [create, copy]
    template: hostname.tpl
META
mkdir -p "$work/templates"
echo '{{ container.name }}' > "$work/templates/hostname.tpl"
tar -C "$work" -czf "$work/meta.tar.gz" metadata.yaml templates
tar -C "$root" --numeric-owner --owner=0 --group=0 -czf "$work/rootfs.tar.gz" .
mkdir -p "$out.tmp"
mv "$work/meta.tar.gz" "$work/rootfs.tar.gz" "$out.tmp/"
mv "$out.tmp" "$out"
echo "$out"
