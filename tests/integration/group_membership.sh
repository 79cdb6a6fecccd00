#!/usr/bin/env bash
# kcd's group client and assignor (core/cluster) in a Connect group on the real broker, through
# tests/support/group_member.c (one process per worker, 2 connectors with 3 tasks each, session
# timeout 6 s): three members share the work, each item held exactly once, connectors and tasks
# each spread within one; a fourth joins and takes its share while what the others keep is never
# revoked (only the surplus moves, in Connect's two rounds); a member killed -9 has its work
# taken over once its session expires; one that stops cleanly (LeaveGroup) has it taken over at
# once. Prints the rounds and the times.
. "$(dirname "$0")/lib.sh"
need_kafka
MEMBER="$KCD_BUILD/bin/kcd-test-group-member"
GROUP="kcd-group-$RUN_ID"
CONNECTORS=a:3,b:3
ALL="a/-1 a/0 a/1 a/2 b/-1 b/0 b/1 b/2"
declare -A PID
start_member() {
  "$MEMBER" "$BOOTSTRAP" "$GROUP" "http://w$1:8083/" "$CONNECTORS" >"$WORK/w$1.out" 2>"$WORK/w$1.err" &
  PID[$1]=$!
}
holds() { grep '^holds ' "$WORK/w$1.out" 2>/dev/null | tail -1; }

# stable W...: the members' last assignments are of one generation, cover every item exactly
# once, and spread connectors and tasks within one
stable() {
  local gens="" items="" w line
  for w in "$@"; do
    line=$(holds $w)
    [ -n "$line" ] || return 1
    gens="$gens $(awk '{print $2}' <<<"$line")"
    items="$items $(cut -d' ' -f3- <<<"$line" | sed 's/^holds [0-9]*$//')"
  done
  [ "$(tr ' ' '\n' <<<"$gens" | sed '/^$/d' | sort -u | wc -l)" = 1 ] || return 1
  [ "$(tr ' ' '\n' <<<"$items" | sed '/^$/d' | sort | tr '\n' ' ')" = "$(tr ' ' '\n' <<<"$ALL" | sort | tr '\n' ' ')" ] || return 1
  local lo=99 hi=0 clo=99 chi=0 t c
  for w in "$@"; do
    line=$(holds $w | cut -d' ' -f3-)
    t=$(tr ' ' '\n' <<<"$line" | grep -c '/[0-9]' || true)
    c=$(tr ' ' '\n' <<<"$line" | grep -c '/-1' || true)
    [ $t -lt $lo ] && lo=$t; [ $t -gt $hi ] && hi=$t
    [ $c -lt $clo ] && clo=$c; [ $c -gt $chi ] && chi=$c
  done
  [ $((hi - lo)) -le 1 ] && [ $((chi - clo)) -le 1 ]
}
wait_stable() { # wait_stable SECONDS WHAT W...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until stable "$@"; do
    [ $SECONDS -lt $deadline ] || fail "$what: not settled: $(for w in "$@"; do echo "w$w: $(holds $w) $(tail -2 "$WORK/w$w.err")"; done)"
    sleep 0.2
  done
}
generation() { holds $1 | awk '{print $2}'; }

for w in 1 2 3; do start_member $w; done
wait_stable 60 "three members" 1 2 3
grep -q '^joined [0-9]* sessioned' "$WORK/w1.out" || fail "the group did not choose the sessioned protocol: $(head -1 "$WORK/w1.out")"
leaders=$(grep -h '^joined' "$WORK"/w[123].out | awk -v g="$(generation 1)" '$2 == g {print $5}' | sort -u)
[ "$(wc -l <<<"$leaders")" = 1 ] && grep -qE '^http://w[123]:8083/$' <<<"$leaders" || fail "not one leader for the generation: [$leaders]"
pass "three members share 2 connectors and 6 tasks, each once, spread within one (generation $(generation 1), protocol sessioned)"

for w in 1 2 3; do holds $w | cut -d' ' -f3- | tr ' ' '\n' | sed '/^$/d' >"$WORK/before.$w"; done
gen0=$(generation 1)
start_member 4
wait_stable 60 "a fourth member" 1 2 3 4
for w in 1 2 3; do
  holds $w | cut -d' ' -f3- | tr ' ' '\n' | sed '/^$/d' >"$WORK/after.$w"
  extra=$(comm -13 <(sort "$WORK/before.$w") <(sort "$WORK/after.$w") | tr '\n' ' ')
  [ -z "$extra" ] || fail "w$w was given $extra while a member joined: only the newcomer gains"
  # what it kept it was never told to stop
  for item in $(cat "$WORK/after.$w"); do
    ! grep '^revoked' "$WORK/w$w.out" | awk -v g=$gen0 '$2 >= g' | matches -w -- "$item" || fail "w$w had $item revoked although it kept it"
  done
done
revoked=$(grep -h '^revoked' "$WORK"/w[123].out | awk -v g=$gen0 '$2 >= g' | cut -d' ' -f3- | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')
[ "$revoked" = "$(holds 4 | cut -d' ' -f3- | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')" ] ||
  fail "revoked from the others [$revoked] is not what the newcomer holds [$(holds 4)]"
moved=$(holds 4 | cut -d' ' -f3- | wc -w)
[ "$moved" -ge 1 ] || fail "the fourth member got nothing"
pass "a fourth member took $moved items in $(( $(generation 4) - gen0 )) rounds; the others lost only those, and stopped nothing they kept"

t0=$(date +%s.%N)
kill -9 "${PID[2]}"
wait_stable 60 "after kill -9 of w2" 1 3 4
printf 'PASS: w2 killed -9: its work runs elsewhere after %.1f s (session timeout 6 s)\n' "$(echo "$(date +%s.%N) - $t0" | bc -l)"

t0=$(date +%s.%N)
kill -TERM "${PID[1]}"
wait_exit "${PID[1]}" 120 w1 || fail "w1 did not leave cleanly: $(tail -3 "$WORK/w1.err")"
wait_stable 60 "after w1 left" 3 4
printf 'PASS: w1 left the group (LeaveGroup): its work runs elsewhere after %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc -l)"
for w in 3 4; do kill -TERM "${PID[$w]}"; wait_exit "${PID[$w]}" 120 "w$w" || fail "w$w did not leave cleanly"; done
