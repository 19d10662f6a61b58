# Shared by the tests that run a real vigil-ledger: source after lib.sh, with CA (a
# deployment CA holding a "ledger" certificate), LOG (the log directory), SOCK (its call
# socket) and WORK/policy (its policy directory) set.

# start_ledger [ARGS...]: starts vigil-ledger in the background (pid in $ledger) with ARGS,
# by default the flags for LOG, SOCK, CA and WORK/policy, and waits for its HTTP address
# ($URL); fails if it does not come up.
start_ledger() {
  if [ $# -eq 0 ]; then
    set -- --dir "$LOG" --listen "unix:$SOCK" --http 127.0.0.1:0 --cert "$CA/ledger.crt" \
      --key "$CA/ledger.key" --ca "$CA/ca.crt" --policy "$WORK/policy" --audit-log "$WORK/audit.log"
  fi
  rm -f "$WORK/ledger.out"  # the redirection below truncates it only once the job runs
  "$BIN/vigil-ledger" "$@" > "$WORK/ledger.out" 2>> "$WORK/ledger.err" &
  ledger=$!
  URL=""
  for _ in $(seq 200); do
    URL=$(sed -n 's/.* on \(http:.*\)$/\1/p' "$WORK/ledger.out" 2> /dev/null)
    [ -n "$URL" ] && break
    sleep 0.05
  done
  [ -n "$URL" ]
}
# as ROLE: the TLS options of a role whose certificate is in $CA.
as() { echo "--cert $CA/$1.crt --key $CA/$1.key --ca $CA/ca.crt"; }
# size: the ledger's current tree size.
size() { curl -sf "$URL/checkpoint" | sed -n 2p; }
