#!/bin/bash
# KSPP: our kernel's resolved config (build/kernel/vigil, built by make test) against
# kernel/kspp.list. Every recommendation holds or carries a reason; the score and every
# deviation are printed. A deviation that no longer deviates fails (its excuse is stale).
. "$(dirname "$0")/lib.sh"
CONFIG="$ROOT/build/kernel/vigil/config"
LIST="$ROOT/kernel/kspp.list"
[ -f "$CONFIG" ] || { fail "no $CONFIG: run scripts/build-kernel"; finish; exit 1; }

value_of() {  # the resolved value of $1, "n" when not set or absent
  local line
  line=$(grep -E "^$1=" "$CONFIG" || true)
  if [ -n "$line" ]; then echo "${line#*=}"; else echo n; fi
}

held=0 deviations=0 total=0
while read -r symbol want rest; do
  case "$symbol" in ''|'#'*) continue ;; esac
  total=$((total + 1))
  got=$(value_of "$symbol")
  reason=${rest#deviation: }
  if [ -z "$rest" ]; then
    if [ "$got" = "$want" ]; then held=$((held + 1)); else fail "$symbol is $got, KSPP recommends $want, and kernel/kspp.list gives no reason"; fi
  elif [ "$got" = "$want" ]; then
    fail "$symbol is $want as KSPP recommends, but kernel/kspp.list still lists a deviation: remove it"
  else
    deviations=$((deviations + 1))
    echo "    deviation: $symbol=$got (KSPP: $want): $reason"
  fi
done < "$LIST"
echo "    KSPP score: $held of $total recommendations held, $deviations deviations explained"
if [ $((held + deviations)) -eq "$total" ]; then pass "every KSPP recommendation holds or is explained ($held/$total held)"; fi

# What every target's guarantees rest on: nothing loadable, no TCP/IP, no /dev/mem.
for s in CONFIG_MODULES CONFIG_INET CONFIG_IPV6 CONFIG_DEVMEM CONFIG_KEXEC; do
  if [ "$(value_of "$s")" = n ]; then pass "$s is not set"; else fail "$s is set"; fi
done
finish
