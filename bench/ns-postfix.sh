# Sourced by bench/live-ns.sh and bench/pairs-ns.sh inside a private mount, network and pid
# namespace (`unshare --mount --net --pid --mount-proc --fork`), with W (a work directory), NODE,
# BIN, TEMPLATES and FIRST set: /etc and /var become overlays whose writes land in W (the machine's
# are never changed), /run a fresh tmpfs, the network a loopback interface; Postfix is installed
# and not configured (Debian's master.cf and aliases, no state from earlier runs), then
# `mailsetup --answers FIRST --yes` configures and starts it (not timed) and its files are dated an
# hour back. Defines ms (the time in ms), settle (date files an hour back), settle_config (the
# configuration's files) and quiet (wait for the queue check a reload leaves in the background).
mount --make-rprivate /
for d in etc var; do
  mkdir -p "$W/$d-up" "$W/$d-work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$W/$d-up,workdir=$W/$d-work" "/$d"
done
mount -t tmpfs -o mode=0755 tmpfs /run
ip link set lo up

ms() { echo $(($(date +%s%N) / 1000000)); }
settle() { find "$@" -xdev -exec touch -h -d '-1 hour' {} + 2>/dev/null || true; }
settle_config() { settle /etc/postfix /etc/aliases /etc/aliases.db /etc/mailname; }
# What an apply leaves running (the queue check that a reload starts in the background, as
# postfix-script's does) ends before the next measurement: it would share the CPU with it. At
# most 5 s; it waits for main.cf to settle, which settle() has done.
quiet() {
  n=0
  while pgrep -x postsuper >/dev/null && [ $n -lt 100 ]; do
    sleep 0.05
    n=$((n + 1))
  done
}

# An installed, unconfigured Postfix; no state from earlier runs.
rm -f /etc/postfix/main.cf /etc/postfix/mailsetup.yaml /etc/postfix/transport* /etc/postfix/relay_recipients* \
  /etc/postfix/virtual* /etc/postfix/sasl_passwd* /etc/mailname /etc/aliases.db
rm -rf /var/backups/mailsetup
cp "$TEMPLATES/master.cf" /etc/postfix/master.cf
cp "$TEMPLATES/aliases" /etc/aliases
postfix stop >/dev/null 2>&1 || true

"$NODE" "$BIN" --answers "$FIRST" --yes --no-color >"$W/first.out" 2>&1 || {
  tail -5 "$W/first.out" >&2
  exit 1
}
settle_config
quiet
postfix status >/dev/null 2>&1 || {
  echo "Postfix did not start after the first apply" >&2
  exit 1
}
