#!/bin/sh
# One live-apply measurement for `npm run bench` (bench/run.mjs, row "live apply"), run as root in
# a private mount, network and pid namespace made by `unshare --mount --net --pid --mount-proc
# --fork` (when this script ends, the kernel ends every process of the namespace, Postfix's
# too, whatever happened): /etc and /var are
# overlays whose writes land in the work directory W (the machine's /etc and /var are never
# changed), /run is a fresh tmpfs, and the network holds only a loopback interface. Postfix runs
# there for real.
#
#   live-ns.sh W NODE BIN TEMPLATES FIRST_ANSWERS CHANGED_ANSWERS [PROBES]
#
# 1. A Debian box with Postfix installed and not configured (templates/master.cf and aliases);
#    `mailsetup --answers FIRST --yes` configures and starts Postfix (not timed). Its files are
#    then dated an hour back: a box configured a while ago.
# 2. Timed: `mailsetup --answers CHANGED --yes --no-probes` (a changed answer: Postfix is
#    reloaded; the network probes are measured on their own: PROBES=probes leaves out --no-probes).
# 3. Timed reference: the same files with settled times (dated an hour back here) and the same
#    commands the apply ran (postmap, newaliases, postfix check), on /etc/postfix, and `postfix
#    reload` where the apply reloaded (it signals the master itself, as postfix-script does).
#    It starts once the queue check the apply's reload left in the background has ended (each
#    side's `postsuper &` runs after its own timing, as it does after `postfix reload`).
# Prints "app MS", "ref MS" and "cmds C1; C2; …", then stops Postfix.
set -eu
W=$1 NODE=$2 BIN=$3 TEMPLATES=$4 FIRST=$5 CHANGED=$6 PROBES=${7:-}
NOPROBES=--no-probes
[ "$PROBES" = probes ] && NOPROBES=

# The namespace's Postfix, configured by a first apply with FIRST (not timed): bench/ns-postfix.sh.
. "$(dirname "$0")/ns-postfix.sh"

t0=$(ms)
"$NODE" "$BIN" --answers "$CHANGED" --yes $NOPROBES --no-color >"$W/app.out" 2>&1 || {
  tail -5 "$W/app.out" >&2
  postfix stop >/dev/null 2>&1 || true
  exit 1
}
t1=$(ms)

# The commands the apply ran, on the real directory instead of its stage.
S=/etc/.postfix.mailsetup-stage
# The reload step (mailsetup signals the master as postfix-script does): `postfix reload`.
sed -nE -e '/^✓ Reload Postfix: /{s/.*/postfix reload/p;d;}' \
  -e 's/^✓ .*: ((postmap|postalias|newaliases|postfix)( .*)?)$/\1/p' "$W/app.out" | tr ';' '\n' | sed 's/^ *//' |
  sed "s# -C $S##; s#-c $S reload#reload#; s#$S#/etc/postfix#g" >"$W/ref.cmds"
grep -q 'postfix .*check' "$W/ref.cmds" || {
  echo "the apply ran no postfix check:" >&2
  tail -12 "$W/app.out" >&2
  postfix stop >/dev/null 2>&1 || true
  exit 1
}
settle_config
quiet
t2=$(ms)
sh -e "$W/ref.cmds" >"$W/ref.out" 2>&1 || {
  tail -5 "$W/ref.out" >&2
  postfix stop >/dev/null 2>&1 || true
  exit 1
}
t3=$(ms)

echo "app $((t1 - t0))"
echo "ref $((t3 - t2))"
echo "cmds $(paste -sd ';' "$W/ref.cmds" | sed 's/;/; /g')"
postfix stop >/dev/null 2>&1 || true
