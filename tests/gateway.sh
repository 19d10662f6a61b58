#!/bin/bash
# vigil-gateway's webhooks with curl: signed deliveries from GitHub, GitLab, Gitea and
# Forgejo are recorded and answered 202 with their verdict (queued, ignored, rejected), a
# redelivery is recognised (200, same verdict, nothing queued twice), a bad or missing
# signature is 401 and reaches only the audit log, an oversize body 413, and every verdict
# survives a restart. Then two gateways sharing one PostgreSQL database (a private cluster).
. "$(dirname "$0")/lib.sh"
GATEWAY="$BIN/vigil-gateway"
cd "$WORK"
mkdir -p secrets
for p in github gitlab gitea forgejo; do printf 'secret-of-the-%s-hook' "$p" > secrets/$p; done
cat > gateway.toml <<TOML
[gateway]
listen_port = 0
state_dir = "state"
audit_log = "audit.jsonl"

[secrets]
github = "secrets/github"
gitlab = "secrets/gitlab"
gitea = "secrets/gitea"
forgejo = "secrets/forgejo"

[[repository]]
provider = "github"
name = "example/hello"
component = "hello"

[[repository]]
provider = "gitlab"
name = "group/hello"
component = "hello"
TOML
start_gateway() {
  "$GATEWAY" --config gateway.toml > port 2> gateway.log &
  gateway_pid=$!
  for _ in $(seq 100); do [ -s port ] && break; sleep 0.05; done
  URL="http://127.0.0.1:$(cat port)"
}
start_gateway
trap 'kill $gateway_pid 2>/dev/null; rm -rf "$WORK"' EXIT

commit=0123456789abcdef0123456789abcdef01234567
push() { printf '{"ref":"refs/heads/main","after":"%s","repository":{"full_name":"%s"}}' "$commit" "$1"; }
mac() { printf '%s' "$2" | openssl dgst -sha256 -hmac "$(cat secrets/$1)" -hex | sed 's/.*= //'; }
# deliver PROVIDER BODY [curl header args...]: prints "STATUS BODY"
deliver() {
  local provider=$1 body=$2
  shift 2
  curl -s -o reply -w '%{http_code}' -X POST "$URL/hooks/$provider" -H 'Content-Type: application/json' "$@" --data-binary "$body"
  printf ' %s' "$(cat reply)"
}
github() { deliver github "$2" -H "X-GitHub-Event: ${3:-push}" -H "X-GitHub-Delivery: $1" -H "X-Hub-Signature-256: sha256=$(mac github "$2")"; }
check() {  # NAME WANT_STATUS WANT_TEXT GOT
  if [[ "$4" == "$2 "* && "$4" == *"$3"* ]]; then pass "$1"; else fail "$1: got $4"; fi
}

check "GitHub push of a configured repository: queued (202)" 202 '"verdict":"queued"' "$(github d-1 "$(push example/hello)")"
check "the same delivery again: 200, its first verdict, duplicate" 200 '"duplicate":true' "$(github d-1 "$(push example/hello)")"
check "an unknown repository: recorded as rejected (202, never 4xx)" 202 'rejected: unknown repository example/other' "$(github d-2 "$(push example/other)")"
check "a ping: ignored" 202 'ignored: event ping' "$(github d-3 '{"zen":"hi"}' ping)"
check "malformed JSON after a valid MAC: rejected" 202 'rejected: ' "$(github d-4 '{not json')"
check "a bad MAC: 401" 401 'does not match' "$(deliver github "$(push example/hello)" -H 'X-GitHub-Event: push' -H 'X-GitHub-Delivery: d-5' -H "X-Hub-Signature-256: sha256=$(mac gitlab "$(push example/hello)")")"
check "no signature: 401" 401 'no X-Hub-Signature-256' "$(deliver github "$(push example/hello)" -H 'X-GitHub-Event: push' -H 'X-GitHub-Delivery: d-6')"
check "Gitea's path does not take GitHub's header" 401 'no X-Gitea-Signature' "$(deliver gitea "$(push example/hello)" -H 'X-Gitea-Event: push' -H 'X-Gitea-Delivery: g-0' -H "X-Hub-Signature-256: sha256=$(mac gitea "$(push example/hello)")")"
gitlab_push=$(printf '{"ref":"refs/tags/v1","after":"%s","project":{"path_with_namespace":"group/hello"}}' "$commit")
check "GitLab: the token, Idempotency-Key as the id" 202 '"delivery":"key-1"' "$(deliver gitlab "$gitlab_push" -H 'X-Gitlab-Event: Tag Push Hook' -H 'X-Gitlab-Event-UUID: uuid-1' -H 'Idempotency-Key: key-1' -H "X-Gitlab-Token: $(cat secrets/gitlab)")"
check "GitLab: a wrong token is 401" 401 'X-Gitlab-Token' "$(deliver gitlab "$gitlab_push" -H 'X-Gitlab-Event: Push Hook' -H 'X-Gitlab-Event-UUID: uuid-2' -H 'X-Gitlab-Token: secret-of-the-github-hook')"
check "Gitea: bare hex HMAC; not configured for this repository" 202 'rejected: unknown repository' "$(deliver gitea "$(push example/hello)" -H 'X-Gitea-Event: push' -H 'X-Gitea-Delivery: g-1' -H "X-Gitea-Signature: $(mac gitea "$(push example/hello)")")"
check "Forgejo: its own headers" 202 '"delivery":"f-1"' "$(deliver forgejo "$(push example/hello)" -H 'X-Forgejo-Event: push' -H 'X-Forgejo-Delivery: f-1' -H "X-Forgejo-Signature: $(mac forgejo "$(push example/hello)")")"
head -c $((27 * 1024 * 1024)) /dev/zero > big
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/hooks/github" -H 'X-GitHub-Event: push' -H 'X-GitHub-Delivery: d-big' --data-binary @big)
if [ "$code" = 413 ]; then pass "a body over the bound: 413"; else fail "oversize: $code"; fi

# The record: every authenticated delivery once, the refused ones in the audit log only.
rows=$(sqlite3 state/deliveries.db "SELECT COUNT(*) FROM deliveries")
queued=$(sqlite3 state/deliveries.db "SELECT COUNT(*) FROM deliveries WHERE queued = 1")
if [ "$rows" = 7 ] && [ "$queued" = 2 ]; then pass "7 deliveries recorded, 2 build requests queued"; else fail "rows $rows, queued $queued"; fi
if [ "$(grep -c '"event":"webhook refused"' audit.jsonl)" = 4 ]; then pass "the 4 refused deliveries are in the audit log"; else fail "audit: $(grep -c refused audit.jsonl)"; fi
if grep -q '"verdict":"queued"' audit.jsonl && grep -q '"event":"webhook repeated"' audit.jsonl; then pass "verdicts and repeats are audited"; else fail "audit lacks verdicts"; fi

# A restart keeps every verdict: the redelivery is still a repeat.
kill $gateway_pid; wait $gateway_pid 2>/dev/null
rm -f port; start_gateway
check "after a restart, a redelivery is still recognised" 200 '"verdict":"queued"' "$(github d-1 "$(push example/hello)")"
sed 's/^gitea = /bitbucket = /' gateway.toml > unknown.toml  # a file: a pipe is refused
expect_exit 2 "a config naming an unknown provider is bad input" -- "$GATEWAY" --config unknown.toml
expect_stderr "unknown key 'bitbucket' in [secrets]" "it names the provider's key"

# Two gateways sharing their queue in one PostgreSQL database ([gateway] database): a
# delivery is recorded once whichever gets it, nothing of it in their state_dir.
. "$ROOT/tests/postgres_lib.sh"
cd / && pg_start && cd "$WORK"  # the server's user cannot enter $WORK
trap 'kill $gateway_pid ${shared_pids:-} 2>/dev/null; pg_stop; rm -rf "$WORK"' EXIT
DB=$(pg_createdb gateways)
# shared_config NAME DATABASE: gateway.toml with its own state_dir and audit log, and DATABASE.
shared_config() {
  printf '[gateway]\nlisten_port = 0\nstate_dir = "state-%s"\ndatabase = "%s"\naudit_log = "audit-%s.jsonl"\n' "$1" "$2" "$1"
  sed '1,/^audit_log = /d' gateway.toml
}
shared_pids=""
for g in one two; do
  shared_config $g "$DB" > gateway-$g.toml
  "$GATEWAY" --config gateway-$g.toml > port-$g 2> gateway-$g.log &
  shared_pids="$shared_pids $!"
  for _ in $(seq 100); do [ -s port-$g ] && break; sleep 0.05; done
done
URL="http://127.0.0.1:$(cat port-one)"
check "shared database: gateway one queues a push" 202 '"verdict":"queued"' "$(github s-1 "$(push example/hello)")"
URL="http://127.0.0.1:$(cat port-two)"
check "shared database: gateway two knows it (200, duplicate)" 200 '"duplicate":true' "$(github s-1 "$(push example/hello)")"
check "shared database: gateway two queues another" 202 '"verdict":"queued"' "$(github s-2 "$(push example/hello)")"
sql() { "$PG_BIN/psql" -X -At -d "$DB" -c "$1"; }
counts="$(sql "SELECT count(*) FROM gateway_deliveries") $(sql "SELECT count(*) FROM gateway_queue") $(sql "SELECT count(*) FROM gateway_records")"
if [ "$counts" = "2 2 2" ]; then pass "in PostgreSQL: 2 deliveries, 2 requests, 2 verdict records"; else fail "deliveries, queue, records: $counts"; fi
if [ ! -e state-one/deliveries.db ] && [ ! -e state-two/deliveries.db ]; then pass "no deliveries.db in their state_dir"; else fail "a deliveries.db was written"; fi
shared_config bad "mysql://db/vigil" > gateway-bad.toml
shared_config away "postgresql:///vigil?host=$WORK/nowhere" > gateway-away.toml
expect_exit 2 "a database URL that is not postgresql:// is bad input" -- "$GATEWAY" --config gateway-bad.toml
expect_stderr "must start with postgresql://" "it says what a database URL must be"
expect_exit 3 "a database that cannot be reached is a missing environment" -- "$GATEWAY" --config gateway-away.toml
expect_stderr "[gateway] database: cannot connect to PostgreSQL" "it names the setting and the server"
finish
