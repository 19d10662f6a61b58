#!/bin/bash
# deploy/systemd/ (issue 21): the units, rendered with @BINDIR@ set to this build's binaries,
# pass `systemd-analyze verify --man=no` (which needs every executable to exist) with
# nothing said about them, and keep their sandboxing (ProtectSystem=strict, NoNewPrivileges,
# PrivateTmp, no capabilities, the system call filter, the builder's documented relaxations
# only, the signer's IP allow list), each under an exposure level of systemd-analyze
# security; copies broken on purpose (a misspelt key, a bad value, a missing binary, a
# dropped setting) are caught, so the checks can fail. The users file makes the units'
# users. Then the example configuration files, laid out as the units expect, are read by
# the real binaries through each unit's own ExecStart: every role starts, listens and stops
# cleanly on SIGTERM, and a configuration with an unknown key is refused. The ledger's
# commented `database` example, uncommented and pointed at a private PostgreSQL cluster
# (tests/postgres_lib.sh) holding the log moved there by `vigil log migrate`, sequences and
# serves too; its unit restarts it when it exits 1 (a sequencer that lost its lease), with
# no start limit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postgres_lib.sh"
UNITS="$ROOT/deploy/systemd"
ROLES="ledger signer builder gateway witness"
if ! command -v systemd-analyze > /dev/null; then
  fail "systemd-analyze is missing (Debian package systemd; scripts/setup test installs it)"
  finish
  exit 1
fi

# render_units DIR BINDIR: the units into DIR with @BINDIR@ replaced.
render_units() {
  mkdir -p "$1"
  for unit in "$UNITS"/*.service; do sed "s#@BINDIR@#$2#g" "$unit" > "$1/${unit##*/}"; done
}

# verify_units DIR: systemd-analyze verify --man=no over DIR/*.service. Succeeds when it
# exits 0 and says nothing about a unit of ours; what it says is in $WORK/verify.out (lines
# about other units, which a machine's own unit files may cause, are printed as notes).
verify_units() {
  local rc=0
  (cd "$1" && systemd-analyze verify --man=no "$1"/*.service) > "$WORK/verify.out" 2>&1 || rc=$?
  if grep -v 'vigil-' "$WORK/verify.out" | grep -q .; then
    grep -v 'vigil-' "$WORK/verify.out" | sed 's/^/note: systemd-analyze: /'
  fi
  [ "$rc" -eq 0 ] && ! grep -q 'vigil-' "$WORK/verify.out"
}

# sandbox_problems UNIT_FILE: prints each required setting the unit lacks (nothing: all
# there). Every unit: the list below; the builder's relaxations are exact and no others.
sandbox_problems() {
  local unit=$1 name role line
  name=${unit##*/}
  role=${name#vigil-}
  role=${role%.service}
  local required=(ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes
    PrivateDevices=yes CapabilityBoundingSet= AmbientCapabilities= ProtectKernelModules=yes
    ProtectControlGroups=yes ProtectClock=yes LockPersonality=yes MemoryDenyWriteExecute=yes
    RestrictRealtime=yes RestrictSUIDSGID=yes SystemCallArchitectures=native
    "User=vigil-$role" "Group=vigil-$role" "StateDirectory=vigil-$role" "ConfigurationDirectory=vigil/$role")
  if [ "$role" = builder ]; then
    required+=("RestrictNamespaces=user mnt pid ipc net uts cgroup"
      "SystemCallFilter=@system-service @mount sethostname"
      "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK")
  else
    required+=(RestrictNamespaces=yes ProtectKernelTunables=yes ProtectKernelLogs=yes
      ProtectHostname=yes ProcSubset=pid SystemCallFilter=@system-service
      "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6")
  fi
  [ "$role" = signer ] && required+=(IPAddressDeny=any)
  for line in "${required[@]}"; do
    grep -qxF -- "$line" "$unit" || echo "$name lacks '$line'"
  done
  # Nothing may take them back later in the file, or run as root.
  grep -nE '^(ProtectSystem=(no|yes|full)|NoNewPrivileges=no|PrivateTmp=no|User=root|DynamicUser=no|AmbientCapabilities=.+|CapabilityBoundingSet=.+)$' "$unit" |
    sed "s/^/$name relaxes: /" || true
}

render_units "$WORK/units" "$BIN"
if verify_units "$WORK/units"; then
  pass "systemd-analyze verify --man=no: the five units, nothing said"
else
  fail "systemd-analyze verify: $(head -c 800 "$WORK/verify.out")"
fi
if [ "$(ls "$WORK/units" | wc -l)" = 5 ]; then pass "a unit for each long-running role"; else fail "units: $(ls "$WORK/units")"; fi
for role in $ROLES; do
  problems=$(sandbox_problems "$WORK/units/vigil-$role.service")
  if [ -z "$problems" ]; then pass "vigil-$role.service keeps its sandboxing"; else fail "$problems"; fi
done
if grep -qx 'Restart=on-failure' "$WORK/units/vigil-ledger.service" && grep -qx 'StartLimitIntervalSec=0' "$WORK/units/vigil-ledger.service"; then
  pass "vigil-ledger.service starts again a ledger that exits 1 (its lease lost, PostgreSQL away), with no start limit"
else
  fail "vigil-ledger.service lacks Restart=on-failure or StartLimitIntervalSec=0"
fi
for role in $ROLES; do
  level=$(systemd-analyze security --offline=yes --no-pager "$WORK/units/vigil-$role.service" 2>&1 |
    sed -n 's/^→ Overall exposure level for .*: \([0-9.]*\) .*/\1/p' || true)
  limit=2.0
  [ "$role" = builder ] && limit=3.0
  if [ -n "$level" ] && awk -v l="$level" -v m="$limit" 'BEGIN { exit !(l <= m) }'; then
    pass "vigil-$role.service: systemd-analyze security exposure $level (at most $limit)"
  else
    fail "vigil-$role.service: exposure '${level:-none}', wanted at most $limit"
  fi
done

# The checks' own oracle: copies broken on purpose must fail them.
broken() {  # broken NAME SED_EXPRESSION: $WORK/NAME/ holds the units, the ledger's edited
  render_units "$WORK/$1" "$BIN"
  sed -i "$2" "$WORK/$1/vigil-ledger.service"
}
broken typo 's/^ProtectSystem=strict$/ProtectSystm=strict/'
if ! verify_units "$WORK/typo" && grep -q "Unknown key 'ProtectSystm'" "$WORK/verify.out"; then
  pass "a misspelt key is caught (systemd-analyze names it)"
else
  fail "a misspelt key passed: $(cat "$WORK/verify.out")"
fi
if sandbox_problems "$WORK/typo/vigil-ledger.service" | grep -q "lacks 'ProtectSystem=strict'"; then
  pass "the sandbox check misses ProtectSystem=strict in it"
else
  fail "the sandbox check did not notice the misspelt ProtectSystem"
fi
broken value 's/^ProtectSystem=strict$/ProtectSystem=strictly/'
if ! verify_units "$WORK/value"; then pass "a value that does not parse is caught"; else fail "ProtectSystem=strictly passed"; fi
render_units "$WORK/nobin" /nonexistent/bin
if ! verify_units "$WORK/nobin" && grep -q 'is not executable' "$WORK/verify.out"; then
  pass "an ExecStart whose binary does not exist is caught"
else
  fail "a missing binary passed: $(cat "$WORK/verify.out")"
fi
broken tmp 's/^PrivateTmp=yes$/PrivateTmp=no/'
if verify_units "$WORK/tmp" && [ -n "$(sandbox_problems "$WORK/tmp/vigil-ledger.service")" ]; then
  pass "PrivateTmp=no is valid to systemd but fails the sandbox check"
else
  fail "PrivateTmp=no: $(cat "$WORK/verify.out")"
fi
broken caps 's/^ProtectKernelModules=yes$/&\nCapabilityBoundingSet=CAP_SYS_ADMIN/'
if sandbox_problems "$WORK/caps/vigil-ledger.service" | grep -q 'relaxes: .*CAP_SYS_ADMIN'; then
  pass "a capability given back later in the unit fails the sandbox check"
else
  fail "a capability given back was not noticed"
fi

mkdir -p "$WORK/sysroot/etc"
if systemd-sysusers --root="$WORK/sysroot" "$UNITS/vigil.sysusers" > /dev/null 2>&1; then
  missing=""
  for role in $ROLES; do
    grep -q "^vigil-$role:x:[0-9]*:[0-9]*:[^:]*:/var/lib/vigil-$role:" "$WORK/sysroot/etc/passwd" || missing="$missing vigil-$role"
  done
  if [ -z "$missing" ]; then pass "vigil.sysusers makes each unit's user and group"; else fail "sysusers lacks$missing"; fi
else
  fail "systemd-sysusers refused vigil.sysusers"
fi

# The example configurations, read by the real binaries as the units start them: /etc,
# /var/lib and /var/log under $R, every listener on 127.0.0.1 and a port the kernel picks,
# the placeholders replaced by a real deployment CA, log and keys.
R="$WORK/root"
mkdir -p "$R/etc/vigil" "$R/var/lib" "$R/var/log"
"$VIGIL" ca init "$WORK/ca" > /dev/null
"$VIGIL" log init "$R/var/lib/vigil-ledger/log" --origin vigil.example.org/ledger > /dev/null 2>&1
VKEY=$("$VIGIL" log vkey "$R/var/lib/vigil-ledger/log")
local_paths() {  # local_paths FILE...: the installed paths moved under $R, listeners local
  sed -i -e "s#@BINDIR@#$BIN#g; s#/etc/vigil/#$R/etc/vigil/#g; s#/var/lib/#$R/var/lib/#g; s#/var/log/#$R/var/log/#g" \
    -e 's#0\.0\.0\.0:[0-9]*#127.0.0.1:0#g; s#^listen_host = .*#listen_host = "127.0.0.1"#; s#^listen_port = .*#listen_port = 0#' \
    -e "s#^verifier_key = .*#verifier_key = \"$VKEY\"#; s#REPLACE-with-vigil-log-vkey#$VKEY#" "$@"
}
tags=(ledger:log signer:sign builder:build gateway:gateway)
for pair in "${tags[@]}"; do
  role=${pair%%:*}
  dir="$R/etc/vigil/$role"
  mkdir -p "$dir/policy.d" "$R/var/log/vigil-$role" "$R/var/lib/vigil-$role"
  "$VIGIL" ca issue "$WORK/ca" "$role" --tag "${pair#*:}" > /dev/null
  cp "$WORK/ca/ca.crt" "$WORK/ca/$role.crt" "$dir/"
  cp "$WORK/ca/$role.key" "$dir/" && chmod 0640 "$dir/$role.key"
  cp "$UNITS/$role.toml.example" "$dir/$role.toml"
  cp "$UNITS/$role.policy.example" "$dir/policy.d/10-vigil.policy"
  local_paths "$dir/$role.toml"
  if [ "$role" != gateway ]; then
    cp "$UNITS/witnesses.example" "$dir/witnesses"
    local_paths "$dir/witnesses"
  fi
  expect_exit 0 "$role.policy.example is a valid policy" -- "$VIGIL" policy check "$dir/policy.d"
done
mkdir -p "$R/etc/vigil/witness" "$R/var/lib/vigil-witness"
cp "$UNITS/witness.env.example" "$R/etc/vigil/witness/witness.env"
local_paths "$R/etc/vigil/witness/witness.env"

expect_exit 0 "the signer's key ceremony: --init-key with signer.toml.example" -- \
  "$BIN/vigil-signer" --config "$R/etc/vigil/signer/signer.toml" --init-key release
cp "$WORK/stdout" "$R/etc/vigil/gateway/release.pub"
if [ "$(stat -c %a "$R/var/lib/vigil-signer/release.key")" = 600 ]; then pass "the release key file is 0600"; else fail "release.key mode"; fi
"$VIGIL" repo keygen --keys-dir "$WORK/tuf-keys" > /dev/null
"$VIGIL" repo init "$R/var/lib/vigil-gateway/tuf" --keys-dir "$WORK/tuf-keys" > /dev/null
mkdir -p "$R/etc/vigil/gateway/online" "$R/etc/vigil/gateway/secrets"
for key in testing current snapshot timestamp; do cp "$WORK/tuf-keys/$key.secret" "$R/etc/vigil/gateway/online/"; done
printf 'a-hook-secret-of-32-bytes-000000' > "$R/etc/vigil/gateway/secrets/github"
"$BIN/vigil-witness" --generate-key witness.example.org --key "$R/etc/vigil/witness/witness.key" > /dev/null

# start_unit ROLE [CONFIG]: runs the rendered unit's ExecStart (its EnvironmentFile read as
# systemd reads it: ${VAR} one word, $VAR split), with CONFIG instead of the unit's
# configuration file when given; waits until it serves, then stops it with SIGTERM.
start_unit() {
  local role=$1 config=${2:-} exec line pid rc=0 ready
  exec=$(sed -n 's/^ExecStart=//p' "$WORK/units/vigil-$role.service")
  printf '%s\n' "$exec" > "$WORK/exec"
  local_paths "$WORK/exec"
  exec=$(cat "$WORK/exec")
  [ -n "$config" ] && exec=${exec/--config */--config $config}
  : > "$WORK/$role.out"
  (
    env_file=$(sed -n 's/^EnvironmentFile=//p' "$WORK/units/vigil-$role.service")
    if [ -n "$env_file" ]; then
      env_file=${env_file/\/etc\/vigil\//$R/etc/vigil/}
      while IFS= read -r line; do
        case $line in '#'* | '') continue ;; esac
        export "${line%%=*}=${line#*=}"
      done < "$env_file"
    fi
    eval "set -- $exec"
    exec "$@"
  ) > "$WORK/$role.out" 2>&1 &
  pid=$!
  case $role in
    ledger) ready='on http://' ;;
    gateway) ready='listening on http://' ;;
    witness) ready='cosigns at' ;;
    *) ready='listening on' ;;
  esac
  for _ in $(seq 100); do
    grep -q "$ready" "$WORK/$role.out" && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  if ! grep -q "$ready" "$WORK/$role.out"; then
    kill "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null || rc=$?
    START_ERROR="exit $rc: $(head -c 600 "$WORK/$role.out")"
    return 1
  fi
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  START_ERROR="exit $rc after SIGTERM: $(head -c 600 "$WORK/$role.out")"
  [ "$rc" -eq 0 ]
}
for role in $ROLES; do
  if start_unit "$role"; then
    pass "vigil-$role.service's ExecStart with its example configuration serves, then stops cleanly"
  else
    fail "vigil-$role: $START_ERROR"
  fi
done
if [ -d "$R/var/lib/vigil-builder/repo" ] && [ -d "$R/var/lib/vigil-signer/state" ]; then
  pass "the builder and the signer made their state where the units keep it"
else
  fail "state: $(find "$R/var/lib" -maxdepth 2 | sort | tr '\n' ' ')"
fi
# Several ledgers on one PostgreSQL log: the log moved into the database as
# docs/OPERATIONS.md does it, `dir` the key directory that makes, the example's commented
# database and lease_seconds lines in force.
pg_start
DB=$(pg_createdb vigil)
if "$VIGIL" log migrate --from "$R/var/lib/vigil-ledger/log" --to "$DB" --key-dir "$R/var/lib/vigil-ledger/key" > "$WORK/migrate.out" 2>&1; then
  pass "vigil log migrate moves the ledger's log into PostgreSQL"
else
  fail "migrate: $(cat "$WORK/migrate.out")"
fi
cp "$R/etc/vigil/ledger/ledger.toml" "$R/etc/vigil/ledger/database.toml"
sed -i -e "s#^dir = .*#dir = \"$R/var/lib/vigil-ledger/key\"#" -e "s#^\# database = .*#database = \"${DB//&/\\&}\"#" \
  -e 's/^# lease_seconds = /lease_seconds = /' "$R/etc/vigil/ledger/database.toml"
if grep -q '^database = "postgresql:' "$R/etc/vigil/ledger/database.toml" && grep -q '^lease_seconds = 2$' "$R/etc/vigil/ledger/database.toml" &&
  start_unit ledger "$R/etc/vigil/ledger/database.toml" && grep -q 'sequencing as' "$WORK/ledger.out"; then
  pass "with the example's database and lease_seconds, the ledger takes the sequencer lease, serves, then stops cleanly"
else
  fail "the database example: ${START_ERROR:-its lines were not found}"
fi
cp "$R/etc/vigil/ledger/ledger.toml" "$R/etc/vigil/ledger/unknown.toml"
printf 'idle_timeout = 60\n' >> "$R/etc/vigil/ledger/unknown.toml"
if ! start_unit ledger "$R/etc/vigil/ledger/unknown.toml" && grep -q "unknown key 'idle_timeout'" "$WORK/ledger.out"; then
  pass "the same check refuses a configuration with an unknown key"
else
  fail "an unknown key was not refused: $START_ERROR"
fi
finish
