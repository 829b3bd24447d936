#!/bin/sh
# Two builds of mailsetup side by side on one live Postfix, for bench/pairs.mjs: run as root in
# a private namespace (`unshare --mount --net --pid --mount-proc --fork`).
#
#   pairs-ns.sh W NODE A B FIRST CHANGED N
#
# The namespace's Postfix is configured with A's build and FIRST (bench/ns-postfix.sh); then N
# rounds, each a re-run with A's build and one with B's (each changes the answers, FIRST and
# CHANGED in turn, on files dated an hour back). Prints a line a run: "A|B WALL ELAPSED CPU", the
# run's ms and, when its check started, the ms since the process started and its CPU time then
# (bench/check-start.cjs), "- -" when no check ran.
set -eu
W=$1 NODE=$2 A=$3 B=$4 FIRST=$5 CHANGED=$6 N=$7
BIN=$A/bin/mailsetup.cjs TEMPLATES=$A/templates
. "$(dirname "$0")/ns-postfix.sh"
PRELOAD=$(cd "$(dirname "$0")" && pwd)/check-start.cjs

i=0
answers=$CHANGED
while [ $i -lt "$N" ]; do
  i=$((i + 1))
  for side in A B; do
    [ $side = A ] && dir=$A || dir=$B
    settle_config
    quiet
    rm -f "$W/check-start"
    t0=$(ms)
    NODE_OPTIONS="--require=$PRELOAD" MAILSETUP_CHECK_START="$W/check-start" \
      "$NODE" "$dir/bin/mailsetup.cjs" --answers "$answers" --yes --no-probes --no-color >"$W/app.out" 2>&1 || {
      tail -5 "$W/app.out" >&2
      postfix stop >/dev/null 2>&1 || true
      exit 1
    }
    t1=$(ms)
    echo "$side $((t1 - t0)) $(cat "$W/check-start" 2>/dev/null || echo - -)"
    [ "$answers" = "$CHANGED" ] && answers=$FIRST || answers=$CHANGED
  done
done
postfix stop >/dev/null 2>&1 || true
