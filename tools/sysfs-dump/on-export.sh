#!/bin/bash
# Run a real command (udevadm, lspci, …) on a machine written by `auxbus export --format sysfs
# DIR`, in a private mount namespace where /sys is a tmpfs holding a copy of DIR/sys, /run/udev
# a copy of DIR/run/udev and /dev a tmpfs with the nodes and links of DIR/dev.txt. Nothing of
# the host's /sys, /dev or udev database is visible to the command; nothing outside the
# namespace is written. Needs root (unshare --mount, tmpfs mounts).
#
# Usage: sudo tools/sysfs-dump/on-export.sh DIR COMMAND [ARG…]
set -euo pipefail
SELF=$(readlink -f "$0")

if [[ ${1:-} == --inner ]]; then
        dir=$2
        shift 2
        mount -n -t tmpfs -o mode=0755 auxbus-export-run /run
        mkdir -p /run/udev
        cp -a "$dir/run/udev/." /run/udev/
        mount -n -t tmpfs -o mode=0755 auxbus-export-sys /sys
        cp -a "$dir/sys/." /sys/
        mount -n -t tmpfs -o mode=0755 auxbus-export-dev /dev
        mknod -m 0666 /dev/null c 1 3
        mknod -m 0666 /dev/zero c 1 5
        while read -r kind a b c d e f g; do
                case $kind in
                node) mkdir -p "$(dirname "$g")"; mknod -m "$b" "$g" "$a" "$e" "$f"; chown "$c:$d" "$g" ;;
                link) mkdir -p "$(dirname "$b")"; ln -s "$a" "$b" ;;
                esac
        done < "$dir/dev.txt"
        exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin SYSTEMD_DEVICE_VERIFY_SYSFS=0 SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat \
                SYSTEMD_LOG_COLOR=0 SYSTEMD_LOG_LOCATION=0 SYSTEMD_LOG_TIME=0 SYSTEMD_LOG_TID=0 "$@" < /dev/null
fi

[[ $# -ge 2 ]] || { echo "usage: on-export.sh DIR COMMAND [ARG…]" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "on-export: must run as root (unshare --mount, tmpfs mounts)" >&2; exit 2; }
dir=$(readlink -f "$1")
shift
exec unshare --mount --propagation private -- /bin/bash "$SELF" --inner "$dir" "$@"
