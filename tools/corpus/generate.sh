#!/usr/bin/env bash
# Generate systemd 252's own udev test corpus locally, as data, in .corpus/ (gitignored).
#
# usage: tools/corpus/generate.sh [--no-record] [--jobs N] [OUTDIR]      (default OUTDIR: <repo>/.corpus)
#
# Steps (each is skipped when its output already exists; delete OUTDIR to start over):
#   1. fetch the Debian source package of systemd matching the installed udev
#      (apt-get source with a PRIVATE apt configuration in OUTDIR/apt: its own deb-src
#      sources list and package lists; /etc/apt is not modified)
#   2. run the shared converter udev-test-to-json.sh -> OUTDIR/udev-test.json + OUTDIR/sys/
#   3. record the full oracle output of every case (real udevadm, needs root)
#      -> OUTDIR/recorded/NNN.jsonl, and check the corpus' own expectations
#      (the "162 of 162" check) -> OUTDIR/check.log
#
# The corpus is LGPL-2.1+ systemd material: never commit OUTDIR.
# Needs: Debian bookworm, root, udev installed (apt-get install -y udev), perl, python3,
# dpkg-dev (dpkg-source). Network access to the Debian archive for step 1.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
oracle_dir=${UDEV_ORACLE_DIR:-$repo/../shared/tools/udev-oracle}
record=1 jobs=${JOBS:-$(nproc)}
while (($#)); do
        case $1 in
        --no-record) record=0; shift ;;
        --jobs) jobs=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) break ;;
        esac
done
out=${1:-$repo/.corpus}
mkdir -p "$out"; out=$(readlink -f "$out")
t0=$(date +%s)
stamp() { echo "[$(($(date +%s) - t0))s] $*" >&2; }

# ----------------------------------------------------------------- 1. source
src=$(find "$out/src" -mindepth 1 -maxdepth 1 -type d -name 'systemd-*' 2>/dev/null | head -n1 || true)
if [[ -z $src || ! -f $src/test/udev-test.pl ]]; then
        version=$(dpkg-query -W -f='${Version}' udev 2>/dev/null || true)
        [[ -n $version ]] || { echo "udev is not installed (apt-get install -y udev)" >&2; exit 2; }
        command -v dpkg-source >/dev/null || { echo "dpkg-source missing (apt-get install -y dpkg-dev)" >&2; exit 2; }
        stamp "fetching Debian source systemd=$version with a private apt configuration"
        apt=$out/apt
        mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d"
        # deb-src for the same archives and suites the machine's own apt uses (bookworm, -updates,
        # -security): its sources, with deb turned into deb-src (deb822 or one-line format).
        : > "$apt/sources.list"
        if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
                sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$apt/sources.list.d/debian-src.sources"
        else
                sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list > "$apt/sources.list"
        fi
        aptopts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/sources.list.d"
                 -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
                 -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
                 -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
        apt-get "${aptopts[@]}" -q update >&2
        mkdir -p "$out/src"
        (cd "$out/src" && apt-get "${aptopts[@]}" -q source "systemd=$version" >&2)
        src=$(find "$out/src" -mindepth 1 -maxdepth 1 -type d -name 'systemd-*' | head -n1)
        [[ -f $src/test/udev-test.pl ]] || { echo "unpacked source has no test/udev-test.pl" >&2; exit 1; }
        stamp "source in $src"
fi

# ----------------------------------------------------------------- 2. data
if [[ ! -f $out/udev-test.json || ! -d $out/sys ]]; then
        stamp "converting test/udev-test.pl and generating sys/"
        rm -rf "$out/sys"
        bash "$oracle_dir/corpus/udev-test-to-json.sh" "$src" "$out"
        python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))), "cases")' "$out/udev-test.json" >&2
fi
stamp "corpus data ready"

# ----------------------------------------------------------------- 3. record
((record)) || exit 0
[[ $(id -u) == 0 ]] || { echo "recording needs root (the oracle uses namespaces)" >&2; exit 2; }
stamp "recording every case with the oracle ($jobs in parallel)"
python3 "$here/record-corpus.py" "$out" --jobs "$jobs" --oracle "$oracle_dir/udev-oracle.sh" \
        2>&1 | tee "$out/check.log" | tail -n 15 >&2
stamp "done"
