#!/usr/bin/env bash
# bench/real-udevadm.sh - wall seconds of the REAL `udevadm test` (udev 252) on one conformance
# case, each run a whole process inside the private mount namespace the udev oracle sets up
# (/work/shared/tools/udev-oracle/udev-oracle.sh: tmpfs /sys, /dev, /run, /proc/sys and rules
# directories, the case's sysfs tree and rules). Only the udevadm processes are timed: the oracle
# runs a copy of itself whose udevadm is a wrapper that times RUNS extra runs of the same command.
#
# usage: bench/real-udevadm.sh CASE_DIR [RUNS]   → prints the median seconds on stdout
# Needs root, unshare and /usr/bin/udevadm; exits 3 when one is missing.
set -euo pipefail
ORACLE=${UDEV_ORACLE:-/work/shared/tools/udev-oracle/udev-oracle.sh}
case_dir=$(readlink -f "$1")
runs=${2:-7}
[[ $(id -u) == 0 && -x /usr/bin/udevadm && -r $ORACLE ]] && command -v unshare > /dev/null || exit 3
work=$(mktemp -d "${TMPDIR:-/tmp}/real-udevadm.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat > "$work/udevadm" <<WRAP
#!/bin/bash
for ((i = 0; i < $runs; i++)); do
        s=\$EPOCHREALTIME
        /usr/bin/udevadm "\$@" > /dev/null 2>&1 || true
        e=\$EPOCHREALTIME
        echo "\$s \$e" >> "$work/times"
done
exec /usr/bin/udevadm "\$@"
WRAP
chmod +x "$work/udevadm"
sed "s#^UDEVADM=/usr/bin/udevadm#UDEVADM=$work/udevadm#" "$ORACLE" > "$work/oracle.sh"
event=$(head -n1 "$case_dir/expected.jsonl" | sed -E 's/.*"action":"([^"]*)".*"devpath":"([^"]*)".*/\1:\2/')
args=()
for r in "$case_dir"/*.rules; do args+=(-r "$r"); done
bash "$work/oracle.sh" "${args[@]}" -d "$case_dir/device.desc" -e "$event" > /dev/null
awk '{ printf "%.6f\n", $2 - $1 }' "$work/times" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
