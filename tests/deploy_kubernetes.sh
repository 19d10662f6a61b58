#!/bin/bash
# deploy/kubernetes/ (issue 21), checked by tests/kubernetes-schema/check.mjs with the npm
# package kubernetes-models (its bundled Kubernetes schemas and validate()), pinned with the
# YAML parser by tests/kubernetes-schema/package-lock.json and installed once per lock file
# outside the clone: every document is valid and uses no field its kind does not define; a
# Deployment with `replicas: "two"`, a misspelt field and a kind without a schema are
# refused, naming the file and the document. The pods run as non-root with read-only root
# file systems, no capabilities and the runtime's seccomp profile (the builders' documented
# exceptions only); the NetworkPolicies allow exactly the calls of the roles' policies
# between the pods; every Secret and ConfigMap the operator must create is documented. Then
# each workload is laid out as its volumes would mount (ConfigMaps from the manifests,
# Secrets made from a real deployment CA and keys; each pod with an address of its own on
# the loopback network) and run from its own command line, PostgreSQL being a private
# cluster (tests/postgres_lib.sh) in place of 10-postgres.yaml's image: the setup Jobs put
# the log (its key from the key ceremony's Secret) in the database and copy the TUF
# metadata; the two ledger pods, the signer, a builder, the gateway and the witness start
# together; one ledger sequences and answers its readiness probe while the other waits as a
# standby that fails it; an entry appended through the peers' address list survives the
# sequencer's SIGKILL, after which the standby takes over (and passes the probe) and the
# same list reaches it; the others answer their readiness probes (exec, HTTP, TCP), and all
# stop on SIGTERM (cleanly, but a standby, which just ends).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postgres_lib.sh"
MANIFESTS="$ROOT/deploy/kubernetes"
SCHEMA="$ROOT/tests/kubernetes-schema"
node_major=$(node --version 2> /dev/null | sed -n 's/^v\([0-9]*\)\..*/\1/p')
if [ -z "$node_major" ] || [ "$node_major" -lt 20 ]; then
  fail "the check needs Node.js >= 20 (found ${node_major:-none})"
  finish
  exit 1
fi
lock_hash=$(sha256sum "$SCHEMA/package-lock.json" | cut -c1-16)
CHECKER="${XDG_CACHE_HOME:-$HOME/.cache}/vigil/kubernetes-schema-$lock_hash"
if [ ! -d "$CHECKER/node_modules/kubernetes-models" ] || [ ! -d "$CHECKER/node_modules/yaml" ]; then
  rm -rf "$CHECKER"
  mkdir -p "$CHECKER"
  cp "$SCHEMA/package.json" "$SCHEMA/package-lock.json" "$CHECKER/"
  if (cd "$CHECKER" && npm ci --no-audit --no-fund > "$WORK/npm.log" 2>&1); then
    pass "npm ci: kubernetes-models and yaml as the lock file pins them"
  else
    fail "npm ci: $(tail -c 600 "$WORK/npm.log")"
    rm -rf "$CHECKER"
    finish
    exit 1
  fi
fi
cp "$SCHEMA/check.mjs" "$CHECKER/check.mjs"
check() { node "$CHECKER/check.mjs" "$@"; }

expect_exit 0 "every document in deploy/kubernetes/ is valid against its kind's schema" -- check validate "$MANIFESTS"
tail -1 "$WORK/stdout"
for file in "$MANIFESTS"/*.yaml "$MANIFESTS"/setup/*.yaml; do
  grep -qF "ok $file:" "$WORK/stdout" || fail "${file#"$ROOT"/} was not checked"
done
for kind in Namespace ConfigMap PersistentVolumeClaim Deployment StatefulSet Service NetworkPolicy Job; do
  grep -q ": [a-z0-9./]*v1 $kind\$" "$WORK/stdout" || fail "no $kind was checked"
done
for role in postgres ledger signer builder gateway witness; do
  if grep -qE "\((Deployment|StatefulSet) vigil-$role\)" "$WORK/stdout" && grep -q "(Service vigil-$role)" "$WORK/stdout"; then
    pass "vigil-$role: a workload and its Service"
  else
    fail "vigil-$role lacks a workload or a Service"
  fi
done

# The check's own oracle: manifests broken on purpose are refused, and it says where.
mkdir -p "$WORK/bad"
sed 's/^  replicas: 1$/  replicas: "two"/' "$MANIFESTS/30-signer.yaml" > "$WORK/bad/replicas.yaml"
expect_exit 1 'a Deployment with replicas: "two" is refused' -- check validate "$WORK/bad/replicas.yaml"
expect_stdout "FAIL $WORK/bad/replicas.yaml: document 3 (Deployment vigil-signer): /spec/replicas must be integer" "it names the file, the document and the error"
sed 's/readOnlyRootFilesystem: true/readOnlyRootFileSystem: true/' "$MANIFESTS/30-signer.yaml" > "$WORK/bad/typo.yaml"
expect_exit 1 "a misspelt field is refused, though the schema alone lets it through" -- check validate "$WORK/bad/typo.yaml"
expect_stdout "/spec/template/spec/containers/0/securityContext/readOnlyRootFileSystem: unknown field" "it names the field"
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n' > "$WORK/bad/kind.yaml"
expect_exit 1 "a kind without a Kubernetes schema is refused" -- check validate "$WORK/bad/kind.yaml"
printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n' > "$WORK/bad/dup.yaml"
expect_exit 1 "a key given twice is refused" -- check validate "$WORK/bad/dup.yaml"

expect_exit 0 "security contexts: non-root, read-only root, no capabilities, RuntimeDefault seccomp" -- check security "$MANIFESTS"
tail -1 "$WORK/stdout"
cp -r "$MANIFESTS" "$WORK/insecure"
sed -i '0,/readOnlyRootFilesystem: true/s//readOnlyRootFilesystem: false/' "$WORK/insecure/30-signer.yaml"
sed -i 's/type: RuntimeDefault/type: Unconfined/' "$WORK/insecure/60-witness.yaml"
expect_exit 1 "a writable root and an unconfined seccomp profile outside the builders are refused" -- check security "$WORK/insecure"
expect_stdout "Deployment vigil-signer: container signer: readOnlyRootFilesystem is not true" "it names the signer's"
expect_stdout "Deployment vigil-witness: seccompProfile is Unconfined, not RuntimeDefault" "it names the witness's"

cat > "$WORK/edges.expected" << 'EOF'
vigil-builder -> vigil-gateway:7004
vigil-builder -> vigil-ledger:7001
vigil-builder -> vigil-signer:7002
vigil-gateway -> vigil-builder:7003
vigil-gateway -> vigil-ledger:7001
vigil-ledger -> vigil-postgres:5432
vigil-ledger -> vigil-witness:8090
vigil-ledger-init -> vigil-postgres:5432
vigil-signer -> vigil-ledger:7001
EOF
check edges "$MANIFESTS" > "$WORK/edges" 2>&1 || true
if diff -u "$WORK/edges.expected" "$WORK/edges" > "$WORK/edges.diff"; then
  pass "the NetworkPolicies allow exactly the roles' calls between the pods"
else
  fail "NetworkPolicy flows differ from the call policies: $(cat "$WORK/edges.diff")"
fi
if ! grep -q 'vigil-signer ->' "$WORK/edges" || grep 'vigil-signer ->' "$WORK/edges" | grep -qv 'vigil-ledger:'; then
  fail "the signer reaches more than the ledger"
elif grep -- '-> vigil-signer:' "$WORK/edges" | grep -qv '^vigil-builder '; then
  fail "something but the builders reaches the signer"
else
  pass "the signer is reached only by the builders and reaches only the ledger"
fi
if [ "$(grep -- '-> vigil-postgres:' "$WORK/edges" | cut -d' ' -f1 | tr '\n' ' ')" = "vigil-ledger vigil-ledger-init " ]; then
  pass "PostgreSQL is reached only by the ledgers and the Job that puts the log there"
else
  fail "PostgreSQL's callers: $(grep -- '-> vigil-postgres:' "$WORK/edges")"
fi
# A flow needs both ends: the gateway given an egress rule to the signer gains nothing while
# the signer's ingress admits only builders, and reaches it once that is opened too.
cp -r "$MANIFESTS" "$WORK/open"
cat >> "$WORK/open/90-networkpolicies.yaml" << 'YAML'
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: gateway-to-signer, namespace: vigil}
spec:
  podSelector: {matchLabels: {app.kubernetes.io/name: vigil-gateway}}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {matchLabels: {app.kubernetes.io/name: vigil-signer}}}], ports: [{protocol: TCP, port: 7002}]}]
YAML
check edges "$WORK/open" > "$WORK/edges.open" 2>&1 || true
if diff -q "$WORK/edges.expected" "$WORK/edges.open" > /dev/null; then
  pass "an egress rule to the signer alone opens no flow (its ingress admits builders only)"
else
  fail "one end opened a flow: $(diff "$WORK/edges.expected" "$WORK/edges.open")"
fi
sed -i '/^  name: vigil-signer$/,/^---$/s#app.kubernetes.io/name: vigil-builder#app.kubernetes.io/part-of: vigil#' "$WORK/open/90-networkpolicies.yaml"
check edges "$WORK/open" > "$WORK/edges.open" 2>&1 || true
if [ "$(diff "$WORK/edges.expected" "$WORK/edges.open" | grep '^[<>]' || true)" = "> vigil-gateway -> vigil-signer:7002" ]; then
  pass "with the signer's ingress opened as well, the check shows the new flow"
else
  fail "the opened signer policy was not noticed: $(cat "$WORK/edges.open")"
fi

check refs "$MANIFESTS" > "$WORK/refs"
undocumented=""
while read -r kind name; do
  pattern="kubectl -n vigil create secret generic $name"
  [ "$kind" = configmap ] && pattern="kubectl -n vigil create configmap $name"
  grep -rqF -- "$pattern" "$MANIFESTS" || undocumented="$undocumented $kind/$name"
done < "$WORK/refs"
if [ -s "$WORK/refs" ] && [ -z "$undocumented" ]; then
  pass "each of the $(wc -l < "$WORK/refs") Secrets and ConfigMaps the operator creates is documented with its kubectl command"
else
  fail "undocumented:$undocumented"
fi

# The workloads run, laid out as their volumes would mount.
"$VIGIL" ca init "$WORK/ca" > /dev/null
F="$WORK/fixtures"
for pair in ledger:log signer:sign gateway:gateway; do
  role=${pair%%:*}
  "$VIGIL" ca issue "$WORK/ca" "$role" --tag "${pair#*:}" > /dev/null
  mkdir -p "$F/secrets/vigil-$role-tls"
  cp "$WORK/ca/ca.crt" "$WORK/ca/$role.crt" "$WORK/ca/$role.key" "$F/secrets/vigil-$role-tls/"
done
# The builders: one certificate each, named as their pods.
mkdir -p "$F/secrets/vigil-builder-tls"
cp "$WORK/ca/ca.crt" "$F/secrets/vigil-builder-tls/"
for name in vigil-builder-0 vigil-builder-1; do
  "$VIGIL" ca issue "$WORK/ca" "$name" --tag build > /dev/null
  cp "$WORK/ca/$name.crt" "$WORK/ca/$name.key" "$F/secrets/vigil-builder-tls/"
done
# The signer's key ceremony, offline, with a configuration of its own (docs/OPERATIONS.md).
mkdir -p "$WORK/ceremony" "$F/secrets/vigil-signer-keys" "$F/configmaps/vigil-release-key"
"$VIGIL" log init "$WORK/ceremony/log" --origin ceremony.example/log > /dev/null 2>&1
cat > "$WORK/ceremony/signer.toml" << EOF
[service]
listen = ["tcp:127.0.0.1:0"]
cert = "signer.crt"
key = "signer.key"
ca = "ca.crt"
policy = "policy.d"
audit_log = "audit.log"
state_dir = "state"
[ledger]
address = "tcp:vigil-ledger:7001"
verifier_key = "$("$VIGIL" log vkey "$WORK/ceremony/log")"
[keys.release]
algorithm = "ed25519"
file = "release.key"
EOF
"$BIN/vigil-signer" --config "$WORK/ceremony/signer.toml" --init-key release > "$F/configmaps/vigil-release-key/release.pub" 2> /dev/null
cp "$WORK/ceremony/release.key" "$F/secrets/vigil-signer-keys/"
"$VIGIL" repo keygen --keys-dir "$WORK/tuf-keys" > /dev/null
"$VIGIL" repo init "$WORK/tuf" --keys-dir "$WORK/tuf-keys" > /dev/null
mkdir -p "$F/secrets/vigil-gateway-online-keys" "$F/secrets/vigil-gateway-hooks" "$F/configmaps/vigil-tuf-initial" "$F/secrets/vigil-witness-key"
for key in testing current snapshot timestamp; do cp "$WORK/tuf-keys/$key.secret" "$F/secrets/vigil-gateway-online-keys/"; done
cp "$WORK/tuf/metadata/"*.json "$F/configmaps/vigil-tuf-initial/"
printf 'a-hook-secret-of-32-bytes-000000' > "$F/secrets/vigil-gateway-hooks/github"
"$BIN/vigil-witness" --generate-key witness.example.org --key "$F/secrets/vigil-witness-key/witness.key" > /dev/null
mkdir -p "$F/secrets/vigil-postgres" && printf 'unused' > "$F/secrets/vigil-postgres/password"
# The log's key ceremony, offline (20-ledger.yaml): the seed log's files make the Secret.
"$VIGIL" log init "$WORK/seed" --origin vigil.example.org/ledger > "$WORK/vkey" 2> /dev/null
VKEY=$(cat "$WORK/vkey")
mkdir -p "$F/secrets/vigil-ledger-log"
cp "$WORK/seed/log.key" "$WORK/seed/log.vkey" "$WORK/seed/checkpoint" "$F/secrets/vigil-ledger-log/"
echo "$VKEY" > "$WORK/trusted"
# PostgreSQL: a private cluster instead of 10-postgres.yaml's image (trust authentication, so
# PGPASSWORD, which render does not set, is not needed).
pg_start
DB=$(pg_createdb vigil)

# Container ports (53 to 9418) moved up by 16000-22999: every port stays below the kernel's
# ephemeral range (32768-60999), which other suites' clients and free_port draw from.
offset=$((16000 + RANDOM % 7000))
P="$WORK/pods"
expect_exit 0 "every workload laid out as its volumes mount" -- check render "$P" "$BIN" "$F" "$offset" "$MANIFESTS"
if [ -d "$P/vigil-ledger-0" ] && [ -d "$P/vigil-ledger-1" ] && [ ! -e "$P/vigil-ledger-2" ]; then
  pass "two ledger pods, each with its own layout"
else
  fail "ledger pods: $(ls "$P")"
fi
# The manifests' database URL is the private cluster's here; the placeholders get the key.
MANIFEST_DB=$(sed -n 's/^ *database = "\(.*\)"$/\1/p' "$MANIFESTS/20-ledger.yaml")
if [ -n "$MANIFEST_DB" ] && grep -qF "\"$MANIFEST_DB\"" "$MANIFESTS/setup/ledger-init.yaml"; then
  pass "the ledgers and setup/ledger-init.yaml name the same database ($MANIFEST_DB)"
else
  fail "the database URLs differ: '$MANIFEST_DB' in 20-ledger.yaml"
fi
# (render moved its port as it moves every container port: any port here)
DB_PATTERN=$(printf '%s' "$MANIFEST_DB" | sed 's#:[0-9][0-9]*/#:[0-9]*/#')
grep -rlZ -e 'REPLACE' -e "$DB_PATTERN" "$P" | xargs -0 sed -i -e "s#REPLACE with the output of: vigil log vkey LOG_DIR#$VKEY#; s#REPLACE-with-vigil-log-vkey#$VKEY#" \
  -e "s#$DB_PATTERN#${DB//&/\\&}#g"
# argv FILE: the NUL-separated command line in FILE, into the array ARGV.
argv() { mapfile -d '' ARGV < "$1"; }
argv "$P/vigil-ledger-init/init.argv"
if "${ARGV[@]}" > "$WORK/init.out" 2>&1 && grep -q "^log vigil.example.org/ledger: 0 entries moved" "$WORK/init.out"; then
  pass "setup/ledger-init.yaml puts the log, signed with the Secret's key, in PostgreSQL"
else
  fail "ledger-init: $(cat "$WORK/init.out")"
fi
if ! "${ARGV[@]}" > "$WORK/init.out" 2>&1 && grep -q "already holds a log" "$WORK/init.out"; then
  pass "run again, it is refused and leaves the log as it was"
else
  fail "a second ledger-init: $(cat "$WORK/init.out")"
fi
argv "$P/vigil-gateway-tuf-init/init.argv"
if "${ARGV[@]}" > /dev/null 2> "$WORK/tuf.err" && cmp -s "$WORK/tuf/metadata/1.root.json" "$P/pvc/vigil-gateway-data/tuf/metadata/1.root.json"; then
  pass "setup/gateway-tuf-init.yaml copies the channels' metadata to the gateway's volume"
else
  fail "gateway-tuf-init: $(cat "$WORK/tuf.err")"
fi

declare -A pid
trap 'for p in "${pid[@]}"; do kill -9 "$p" 2> /dev/null; done; wait; pg_stop; rm -rf "$WORK"' EXIT
# start POD ROLE: the pod's container from its command line, its output in $WORK/POD.out.
start() {
  argv "$P/$1/$2.argv"
  "${ARGV[@]}" > "$WORK/$1.out" 2>&1 &
  pid[$1]=$!
}
ready() {
  case $1 in
    vigil-ledger-*) grep -q 'on http://' "$WORK/$1.out" ;;
    vigil-gateway) grep -q 'listening on http://' "$WORK/$1.out" ;;
    vigil-witness) grep -q 'cosigns at' "$WORK/$1.out" ;;
    *) grep -q 'listening on' "$WORK/$1.out" ;;
  esac
}
# wait_for POD PATTERN: until the pod's output shows PATTERN (10 s at most) or it ends.
wait_for() {
  for _ in $(seq 100); do
    grep -q "$2" "$WORK/$1.out" && return 0
    kill -0 "${pid[$1]}" 2> /dev/null || break
    sleep 0.1
  done
  grep -q "$2" "$WORK/$1.out"
}
# probe POD ROLE: the pod's readiness probe, as the kubelet runs it.
probe() {
  local PROBE
  mapfile -d '' PROBE < "$P/$1/$2.probe"
  case ${PROBE[0]} in
    exec) "${PROBE[@]:1}" < /dev/null > "$WORK/probe.out" 2>&1 ;;
    http) curl -sf "http://${PROBE[1]}:${PROBE[2]}${PROBE[3]}" > "$WORK/probe.out" 2>&1 ;;
    tcp) timeout 5 bash -c "exec 3<> /dev/tcp/${PROBE[1]}/${PROBE[2]}" > "$WORK/probe.out" 2>&1 ;;
  esac
}
# The ledgers: vigil-ledger-0 first, so that it is the one that sequences.
start vigil-ledger-0 ledger
if wait_for vigil-ledger-0 'on http://' && grep -q 'sequencing as' "$WORK/vigil-ledger-0.out"; then
  pass "vigil-ledger-0 starts from its manifest's command, configuration and volumes, and sequences"
else
  fail "vigil-ledger-0: $(head -c 600 "$WORK/vigil-ledger-0.out")"
fi
start vigil-ledger-1 ledger
if wait_for vigil-ledger-1 'standby: the sequencer lease is held by' && ! ready vigil-ledger-1; then
  pass "vigil-ledger-1 starts from the same and waits as a standby"
else
  fail "vigil-ledger-1: $(head -c 600 "$WORK/vigil-ledger-1.out")"
fi
pods=(vigil-signer:signer vigil-builder-0:builder vigil-gateway:gateway vigil-witness:witness)
for entry in "${pods[@]}"; do start "${entry%%:*}" "${entry#*:}"; done
for entry in "${pods[@]}"; do
  pod=${entry%%:*}
  for _ in $(seq 100); do
    ready "$pod" && break
    kill -0 "${pid[$pod]}" 2> /dev/null || break
    sleep 0.1
  done
  if ready "$pod"; then pass "$pod starts from its manifest's command, configuration and volumes"; else fail "$pod: $(head -c 600 "$WORK/$pod.out")"; fi
done
if grep -q 'vigil-builder-0 listening on' "$WORK/vigil-builder-0.out"; then
  pass "the builder serves as vigil-builder-0: its own certificate, picked by its pod's name"
else
  fail "the builder's identity: $(head -c 300 "$WORK/vigil-builder-0.out")"
fi
for entry in vigil-ledger-0:ledger "${pods[@]}"; do
  pod=${entry%%:*}
  kind=$(head -z -n1 "$P/$pod/${entry#*:}.probe" | tr -d '\0')
  if probe "$pod" "${entry#*:}"; then pass "$pod answers its readiness probe ($kind)"; else fail "$pod's $kind probe: $(head -c 400 "$WORK/probe.out")"; fi
done
if ! probe vigil-ledger-1 ledger; then
  pass "the standby vigil-ledger-1 fails its readiness probe: the Service routes to the sequencer only"
else
  fail "the standby answered its readiness probe"
fi

# The peers' [ledger] address (every ledger pod), as the signer's configuration gives it.
LEDGERS=$(sed -n '/^\[ledger\]/,/^\[/s/^address = "\(.*\)"$/\1/p' "$P/vigil-signer/etc/vigil/config/signer.toml")
T="$F/secrets/vigil-signer-tls"
n=0
append() {
  n=$((n + 1))
  printf '{"record_id":"k8s-%s","type":"signature"}' "$n" |
    "$VIGIL" call "$LEDGERS" vigil.Append+signature --cert "$T/signer.crt" --key "$T/signer.key" --ca "$T/ca.crt" \
      --service-name ledger > "$WORK/receipt.$n" 2> "$WORK/append.err"
}
if [[ "$LEDGERS" == *,* ]] && append; then
  pass "an entry appended through the peers' address list ($LEDGERS)"
else
  fail "append through '$LEDGERS': $(cat "$WORK/append.err")"
fi
# The sequencer's container killed: the standby takes over; the kubelet's restart of the
# killed one waits as a standby.
kill -9 "${pid[vigil-ledger-0]}"
wait "${pid[vigil-ledger-0]}" 2> /dev/null || true
if wait_for vigil-ledger-1 'on http://' && grep -q 'sequencing as' "$WORK/vigil-ledger-1.out" && probe vigil-ledger-1 ledger; then
  pass "vigil-ledger-0 killed: vigil-ledger-1 takes over and now answers its readiness probe"
else
  fail "no takeover: $(tail -c 600 "$WORK/vigil-ledger-1.out")"
fi
start vigil-ledger-0 ledger
if wait_for vigil-ledger-0 'standby:' && ! probe vigil-ledger-0 ledger; then
  pass "vigil-ledger-0 restarted waits as a standby and fails its readiness probe"
else
  fail "vigil-ledger-0 restarted: $(head -c 600 "$WORK/vigil-ledger-0.out")"
fi
if append; then pass "the same address list reaches the new sequencer"; else fail "append after the takeover: $(cat "$WORK/append.err")"; fi
URL=$(sed -n 's/.* on \(http:.*\)$/\1/p' "$WORK/vigil-ledger-1.out")
ok=0
for i in $(seq "$n"); do
  "$VIGIL" log verify --ledger "$URL" --trusted "$WORK/trusted" --proof "$WORK/receipt.$i" > /dev/null 2>&1 && ok=$((ok + 1))
done
if [ "$ok" = 2 ]; then
  pass "both entries are proven in the new sequencer's log, under the key ceremony's verifier key"
else
  fail "$ok of $n receipts verify on $URL"
fi

for entry in vigil-ledger-1:ledger vigil-ledger-0:ledger "${pods[@]}"; do
  pod=${entry%%:*}
  kill -TERM "${pid[$pod]}" 2> /dev/null || true
  rc=0
  wait "${pid[$pod]}" || rc=$?
  unset "pid[$pod]"
  if [ "$rc" = 0 ]; then
    pass "$pod stops cleanly on SIGTERM"
  elif [ "$pod" = vigil-ledger-0 ] && [ "$rc" = 143 ]; then
    pass "the standby vigil-ledger-0 ends on SIGTERM (143: it holds nothing to let go of)"
  else
    fail "$pod: exit $rc after SIGTERM: $(tail -c 400 "$WORK/$pod.out")"
  fi
done
finish
