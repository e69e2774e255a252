#!/bin/bash
# Record the udevadm conformance fixtures (test/conformance/udevadm/): dump the /sys and udev
# database of tools/sysfs-dump/machine.ts (dump.ts), then run the real udevadm 252 of this
# machine on them for every case of manifest.txt and write NAME.txt (stdout) and recorded.tsv
# (NAME, exit status, stderr with \\, \n, \t escaped).
#
# Needs root with CAP_SYS_ADMIN: every case runs in a private mount namespace (unshare --mount)
# where /sys is a tmpfs holding a copy of the dump, /dev a tmpfs with null, zero and the
# machine's nodes and links, and /run a tmpfs whose /run/udev is empty or holds the dumped
# database (data/, tags/).
# Nothing of the host's /sys, /dev or udev database is visible to udevadm; nothing is written
# outside the namespace except the fixtures.
#
# Usage: sudo tools/sysfs-dump/record-udevadm.sh [CASES_DIR]   (default test/conformance/udevadm)
set -euo pipefail

UDEVADM=${UDEVADM:-/usr/bin/udevadm}
SELF=$(readlink -f "$0")
REPO=$(cd "$(dirname "$SELF")/../.." && pwd)

run_case() { # inside the namespace: DUMP DB OUT_PREFIX ARGV…
        local dump=$1 db=$2 out=$3
        shift 3
        mount -n -t tmpfs -o mode=0755 udevadm-conf-run /run
        mkdir -p /run/udev
        mount -n -t tmpfs -o mode=0755 udevadm-conf-sys /sys
        cp -a "$dump/sys/." /sys/
        mount -n -t tmpfs -o mode=0755 udevadm-conf-dev /dev
        mknod -m 0666 /dev/null c 1 3
        mknod -m 0666 /dev/zero c 1 5
        local kind a b c d e f g
        while read -r kind a b c d e f g; do
                case $kind in
                node) mkdir -p "$(dirname "$g")"; mknod -m "$b" "$g" "$a" "$e" "$f"; chown "$c:$d" "$g" ;;
                link) mkdir -p "$(dirname "$b")"; ln -s "$a" "$b" ;;
                esac
        done < "$dump/dev.txt"
        case $db in
        empty) ;;
        ours) cp -a "$dump/udev/." /run/udev/ ;;
        *) echo "record-udevadm: bad DB '$db' (empty|ours)" >&2; exit 2 ;;
        esac
        local rc=0
        # SYSTEMD_DEVICE_VERIFY_SYSFS=0: accept a /sys that is not a sysfs mount (as udev-oracle.sh)
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin SYSTEMD_DEVICE_VERIFY_SYSFS=0 SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat SYSTEMD_LOG_COLOR=0 \
                SYSTEMD_LOG_LOCATION=0 SYSTEMD_LOG_TIME=0 SYSTEMD_LOG_TID=0 \
                "$UDEVADM" "$@" > "$out.stdout" 2> "$out.stderr" < /dev/null || rc=$?
        echo "$rc" > "$out.rc"
}

if [[ ${1:-} == --inner ]]; then
        shift
        run_case "$@"
        exit 0
fi

CASES=$(readlink -f "${1:-$REPO/test/conformance/udevadm}")
[[ $(id -u) == 0 ]] || { echo "record-udevadm: must run as root (unshare --mount, tmpfs mounts)" >&2; exit 2; }
[[ -x $UDEVADM ]] || { echo "record-udevadm: $UDEVADM not found (apt-get install udev)" >&2; exit 2; }
[[ -f $CASES/manifest.txt ]] || { echo "record-udevadm: $CASES/manifest.txt not found" >&2; exit 2; }
echo "record-udevadm: $("$UDEVADM" --version | head -n1) at $UDEVADM" >&2

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/udevadm-conf.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
(cd "$REPO" && npx --no-install tsx tools/sysfs-dump/dump.ts "$STAGE/dump")

escape() { sed -z 's/\\/\\\\/g; s/\t/\\t/g; s/\n/\\n/g' "$1"; }

recorded=$STAGE/recorded.tsv
: > "$recorded"
n=0
while read -r name db args; do
        [[ -z $name || $name == \#* ]] && continue
        read -r -a argv <<< "$args"
        out=$STAGE/$name
        unshare --mount --propagation private -- /bin/bash "$SELF" --inner "$STAGE/dump" "$db" "$out" "${argv[@]}"
        cp "$out.stdout" "$CASES/$name.txt"
        printf '%s\t%s\t%s\n' "$name" "$(cat "$out.rc")" "$(escape "$out.stderr")" >> "$recorded"
        n=$((n + 1))
done < "$CASES/manifest.txt"
cp "$recorded" "$CASES/recorded.tsv"
echo "record-udevadm: $n cases recorded in $CASES" >&2
