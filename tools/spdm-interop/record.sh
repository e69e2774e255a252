#!/usr/bin/env bash
# Re-records the interop runs against DMTF spdm-emu and rewrites their replay fixtures
# (test/protocols/spdm/fixtures/interop-*.json):
#
#   a-machine       the real spdm_requester_emu against `auxbus spdm serve --preset cxl-type3`: a
#           machine's CMA/SPDM DOE mailbox, handed to doe_user and driven through /dev/doe, its
#           device provisioned with libspdm's sample ECDSA P-384 chain and key at run time (read
#           from BIN/ecp384, never copied into the repo);
#   a-machine-raw   the same through the function's sysfs config file (--raw-config), with KEY_UPDATE;
#   a       the same requester against `auxbus spdm serve --standalone` (a bare responder engine);
#   b       `auxbus spdm connect` against the real spdm_responder_emu, trusting BIN/ecp384/ca.cert.der;
#   a-hitc, b-hitc   the same with HANDSHAKE_IN_THE_CLEAR on auxbus's side too (FINISH in the clear);
#   a-keyupd         (a) with --exe_session KEY_EX,HEARTBEAT,KEY_UPDATE.
# (b) also runs KEY_UPDATE (UpdateKey, then UpdateAllKeys) since spdm_responder_emu has KEY_UPD_CAP.
#
# BIN is spdm-emu's build/bin (shared/tools/spdm-emu/build.sh; default /var/tmp/spdm-emu/build/bin).
# Each run takes a few seconds. Exit status: 0 when every run succeeded.
set -euo pipefail
BIN=${BIN:-/var/tmp/spdm-emu/build/bin}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$(mktemp -d)}
VERSIONS=${VERSIONS:-$(dirname "$(dirname "$BIN")")/VERSIONS.txt}
[ -x "$BIN/spdm_requester_emu" ] || { echo "no spdm-emu build at $BIN (run shared/tools/spdm-emu/build.sh)" >&2; exit 2; }
cd "$REPO"
FAILED=0

wait_listen() { # port 2323 = 0x0913; never probe it with a connect (that kills spdm_responder_emu)
  for _ in $(seq 1 100); do grep -q ':0913 00000000:0000 0A' /proc/net/tcp && return 0; sleep 0.2; done
  echo "nothing listens on 2323" >&2; return 1
}

# run_a NAME SESSION_STEPS [serve options...]: spdm_requester_emu -> auxbus spdm serve
run_a() {
  local name=$1 steps=$2; shift 2
  local serve=(spdm serve --port 2323 --cert-chain "$BIN/ecp384/bundle_responder.certchain.der" --key "$BIN/ecp384/end_responder.key" "$@")
  local req=(--trans PCI_DOE --ver 1.2 --exe_conn DIGEST,CERT,CHAL,MEAS --meas_op ALL --exe_session "$steps")
  echo "== $name: spdm_requester_emu ${req[*]} -> auxbus ${serve[*]}"
  npx tsx src/cli/main.ts "${serve[@]}" --record "$OUT/$name.json" > "$OUT/$name-serve.log" 2>&1 &
  local pid=$!
  wait_listen
  set +e
  (cd "$BIN" && ./spdm_requester_emu "${req[@]}" > "$OUT/$name-requester.log" 2>&1); local r1=$?
  wait $pid; local r2=$?
  set -e
  echo "spdm_requester_emu exit $r1, auxbus spdm serve exit $r2"; cat "$OUT/$name-serve.log"
  npx tsx tools/spdm-interop/assemble.ts a "$name" "$OUT/$name.json" "$VERSIONS" - "$r1" "$r2" \
    "auxbus ${serve[*]}" "spdm_requester_emu ${req[*]}"
  [ "$r1$r2" = 00 ] || FAILED=1
}

# run_b NAME [connect options...]: auxbus spdm connect -> spdm_responder_emu
run_b() {
  local name=$1; shift
  local rsp=(--trans PCI_DOE --ver 1.2)
  local con=(spdm connect 127.0.0.1:2323 --trust "$BIN/ecp384/ca.cert.der" --ver 1.2 "$@")
  echo "== $name: auxbus ${con[*]} -> spdm_responder_emu ${rsp[*]}"
  (cd "$BIN" && exec ./spdm_responder_emu "${rsp[@]}" > "$OUT/$name-responder.log" 2>&1) &
  local pid=$!
  wait_listen
  set +e
  npx tsx src/cli/main.ts "${con[@]}" --record "$OUT/$name.json"; local r1=$?
  wait $pid; local r2=$?
  set -e
  echo "auxbus spdm connect exit $r1, spdm_responder_emu exit $r2"
  npx tsx tools/spdm-interop/assemble.ts b "$name" "$OUT/$name.json" "$VERSIONS" "$BIN/ecp384/ca.cert.der" "$r1" "$r2" \
    "spdm_responder_emu ${rsp[*]}" "auxbus ${con[*]}"
  [ "$r1$r2" = 00 ] || FAILED=1
}

run_a a-machine KEY_EX,HEARTBEAT --preset cxl-type3
run_a a-machine-raw KEY_EX,HEARTBEAT,KEY_UPDATE --preset cxl-type3 --raw-config
run_a a KEY_EX,HEARTBEAT --standalone --seed "auxbus interop a"
run_b b
run_a a-hitc KEY_EX,HEARTBEAT --standalone --seed "auxbus interop a" --handshake-in-clear
run_b b-hitc --handshake-in-clear
run_a a-keyupd KEY_EX,HEARTBEAT,KEY_UPDATE --standalone --seed "auxbus interop a"
echo "logs in $OUT"
exit $FAILED
