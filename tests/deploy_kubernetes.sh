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
# Secrets made from a real deployment CA and keys) and run from its own command line: the
# setup Jobs make the log and copy the TUF metadata, and the ledger, signer, builder,
# gateway and witness start together, answer their readiness probes (exec, HTTP, TCP) and
# stop cleanly on SIGTERM.
. "$(dirname "$0")/lib.sh"
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
sed 's/^  replicas: 1$/  replicas: "two"/' "$MANIFESTS/20-ledger.yaml" > "$WORK/bad/replicas.yaml"
expect_exit 1 'a Deployment with replicas: "two" is refused' -- check validate "$WORK/bad/replicas.yaml"
expect_stdout "FAIL $WORK/bad/replicas.yaml: document 3 (Deployment vigil-ledger): /spec/replicas must be integer" "it names the file, the document and the error"
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
vigil-gateway -> vigil-postgres:5432
vigil-ledger -> vigil-postgres:5432
vigil-ledger -> vigil-witness:8090
vigil-signer -> vigil-ledger:7001
vigil-signer -> vigil-postgres:5432
EOF
check edges "$MANIFESTS" > "$WORK/edges" 2>&1 || true
if diff -u "$WORK/edges.expected" "$WORK/edges" > "$WORK/edges.diff"; then
  pass "the NetworkPolicies allow exactly the roles' calls between the pods"
else
  fail "NetworkPolicy flows differ from the call policies: $(cat "$WORK/edges.diff")"
fi
if ! grep -q 'vigil-signer ->' "$WORK/edges" || grep 'vigil-signer ->' "$WORK/edges" | grep -qv 'vigil-ledger:\|vigil-postgres:'; then
  fail "the signer reaches more than the ledger (and PostgreSQL)"
elif grep -- '-> vigil-signer:' "$WORK/edges" | grep -qv '^vigil-builder '; then
  fail "something but the builders reaches the signer"
else
  pass "the signer is reached only by the builders and reaches only the ledger (and PostgreSQL)"
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

offset=$((20000 + RANDOM % 20000))
P="$WORK/pods"
expect_exit 0 "every workload laid out as its volumes mount" -- check render "$P" "$BIN" "$F" "$offset" "$MANIFESTS"
# argv FILE: the NUL-separated command line in FILE, into the array ARGV.
argv() { mapfile -d '' ARGV < "$1"; }
argv "$P/vigil-ledger-init/init.argv"
if "${ARGV[@]}" > "$WORK/vkey" 2> "$WORK/init.err" && VKEY=$(cat "$WORK/vkey") && [[ "$VKEY" == vigil.example.org/ledger+* ]]; then
  pass "setup/ledger-init.yaml makes the log on the ledger's volume and prints its verifier key"
else
  fail "ledger-init: $(cat "$WORK/init.err")"
fi
if ! "${ARGV[@]}" > /dev/null 2>&1 && [ "$("$VIGIL" log vkey "$P/pvc/vigil-ledger-data/log")" = "$VKEY" ]; then
  pass "run again, it leaves the log as it was"
else
  fail "a second ledger-init changed the log"
fi
grep -rlZ 'REPLACE' "$P" | xargs -0 sed -i -e "s#REPLACE with the output of: vigil log vkey LOG_DIR#$VKEY#; s#REPLACE-with-vigil-log-vkey#$VKEY#"
argv "$P/vigil-gateway-tuf-init/init.argv"
if "${ARGV[@]}" > /dev/null 2> "$WORK/tuf.err" && cmp -s "$WORK/tuf/metadata/1.root.json" "$P/pvc/vigil-gateway-data/tuf/metadata/1.root.json"; then
  pass "setup/gateway-tuf-init.yaml copies the channels' metadata to the gateway's volume"
else
  fail "gateway-tuf-init: $(cat "$WORK/tuf.err")"
fi

pids=()
names=()
trap 'for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done; wait; rm -rf "$WORK"' EXIT
for role in ledger signer builder gateway witness; do
  argv "$P/vigil-$role/$role.argv"
  "${ARGV[@]}" > "$WORK/$role.out" 2>&1 &
  pids+=($!)
  names+=("$role")
done
ready() {
  case $1 in
    ledger) grep -q 'on http://' "$WORK/ledger.out" ;;
    gateway) grep -q 'listening on http://' "$WORK/gateway.out" ;;
    witness) grep -q 'cosigns at' "$WORK/witness.out" ;;
    *) grep -q 'listening on' "$WORK/$1.out" ;;
  esac
}
for i in "${!names[@]}"; do
  role=${names[$i]}
  for _ in $(seq 100); do
    ready "$role" && break
    kill -0 "${pids[$i]}" 2> /dev/null || break
    sleep 0.1
  done
  if ready "$role"; then pass "vigil-$role starts from its manifest's command, configuration and volumes"; else fail "vigil-$role: $(head -c 600 "$WORK/$role.out")"; fi
done
if grep -q 'vigil-builder-0 listening on' "$WORK/builder.out"; then
  pass "the builder serves as vigil-builder-0: its own certificate, picked by its pod's name"
else
  fail "the builder's identity: $(head -c 300 "$WORK/builder.out")"
fi
for role in "${names[@]}"; do
  mapfile -d '' PROBE < "$P/vigil-$role/$role.probe"
  ok=0
  case ${PROBE[0]} in
    exec) "${PROBE[@]:1}" < /dev/null > "$WORK/probe.out" 2>&1 && ok=1 ;;
    http) curl -sf "http://127.0.0.1:${PROBE[1]}${PROBE[2]}" > "$WORK/probe.out" 2>&1 && ok=1 ;;
    tcp) timeout 5 bash -c "exec 3<> /dev/tcp/127.0.0.1/${PROBE[1]}" > "$WORK/probe.out" 2>&1 && ok=1 ;;
  esac
  if [ "$ok" = 1 ]; then pass "vigil-$role answers its readiness probe (${PROBE[0]})"; else fail "vigil-$role's ${PROBE[0]} probe: $(head -c 400 "$WORK/probe.out")"; fi
done
for i in "${!names[@]}"; do
  kill -TERM "${pids[$i]}" 2> /dev/null || true
  rc=0
  wait "${pids[$i]}" || rc=$?
  if [ "$rc" = 0 ]; then pass "vigil-${names[$i]} stops cleanly on SIGTERM"; else fail "vigil-${names[$i]}: exit $rc after SIGTERM: $(tail -c 400 "$WORK/${names[$i]}.out")"; fi
done
pids=()
finish
