#!/usr/bin/env node
// `npm run bench`: how fast mailsetup is, each figure next to a reference measured in the same run
// (a median over N runs, interleaved with the reference), with its target and PASS/FAIL. Prints a
// markdown table and writes it to bench/RESULTS.md. A benchmark, not a test: it asserts nothing,
// and a row that cannot be measured prints "n/a (error …)". Runs in about 7 minutes on 2 cores.
//
// Rows:
//   1. `mailsetup --version` vs `node -e ''`                                  target ratio <= 1.3
//   2. first interactive frame in tmux (role list) vs `node -e` printing a marker   target <= 1.5
//   3. 20 edits + unified diff of a 5,000-line main.cf (MainCf from dist/config.js, in process)
//      vs the same 20 edits by one `postconf -c DIR -e` call                target: not slower
//   4. npm pack size (<= 450 kB) and packages an install of the tarball fetches (0)
//   5. `--dry-run --root` of a backup MX with 100,000 relay recipients vs the same with 10,000
//      target ratio <= 12: the work is linear in the entries (10x the entries, 10x the time, plus
//      the start-up both pay); a quadratic plan path (as the table editor once was: 10,000 took
//      21 s, 100,000 never finished) would give about 100
//   6. whole `--answers F --yes --root DIR` apply per role vs the same commands on a settled
//      configuration (the files it wrote copied into place dated an hour back, then the
//      postmap, postalias, postfix check it ran)                            target ratio <= 1.5
//   7. live apply per role (root; bench/live-ns.sh, a private mount and network namespace):
//      Postfix running, one answer changed, `--no-probes`, vs the same commands (… postfix
//      check, postfix reload) on the same files dated an hour back          target ratio <= 1.5
//   8. the network probes of a live null-client apply: the apply without --no-probes vs with it
//      (measured on their own; no target)
//
// `node bench/run.mjs --only version,frame,maincf,pack,recipients,apply,live` runs some rows (RESULTS.md untouched).
import { ANSWERS, changedAnswers } from './answers.mjs';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateMainCf, twentyEdits } from './gen-maincf.mjs';
import {
  inNamespace,
  interleave,
  machine,
  makeSandbox,
  median,
  nowMs,
  removeDir,
  timeCommand,
  timeCommandOutput,
  Tmux,
} from './lib.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NODE = process.execPath;
const BIN = join(ROOT, 'bin', 'mailsetup.cjs');
const NODE18 = join(ROOT, '.cache', 'node18', 'package', 'bin', 'node');
const started = nowMs();

// A machine may set NODE_EXTRA_CA_CERTS (this workplace's machines do, for their network's proxy):
// Node then reads and parses that certificate bundle at every start, before any of mailsetup's code
// runs (seen here: `node -e 0` 100 ms with it, 30 ms without). A stock box does not set it, and no
// row needs it (nothing here leaves the machine), so every run here goes without it, mailsetup's
// and the node references alike; what it costs is measured on its own and noted.
const extraCa = process.env.NODE_EXTRA_CA_CERTS;
delete process.env.NODE_EXTRA_CA_CERTS;
const loadAtStart = machine().load;

// The live rows take nine runs: their reference (the check and a reload on settled files) moves by
// ±30 ms from one run to the next on this machine, which with five runs moved a median by 0.1.
const RUNS = { version: 15, frame: 9, maincf: 15, recipients: 3, apply: 5, live: 9, probes: 5 };
const ROLES = Object.keys(ANSWERS);

// `node bench/run.mjs --only frame,apply` runs some rows (and leaves bench/RESULTS.md alone).
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : null;
const want = (key) => !only || only.has(key);

const rows = [];
const notes = [];
const work = mkdtempSync(join(tmpdir(), 'mailsetup-bench-'));

const ms = (x) => (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);
const kB = (b) => `${(b / 1000).toFixed(1)} kB`;

/** Add a row; `measure` returns { value, reference, ratio, target, pass }, or throws (→ n/a). */
function row(name, runs, measure) {
  const t0 = nowMs();
  process.stderr.write(`bench: ${name} …`);
  try {
    const r = measure();
    rows.push({ name, runs, ...r });
  } catch (e) {
    const msg = String(e instanceof Error ? e.message : e)
      .replace(/\s+/g, ' ')
      .replace(/\|/g, '/')
      .slice(0, 160);
    rows.push({ name, runs, value: `n/a (error: ${msg})`, reference: '', ratio: '', target: '', pass: 'n/a' });
  }
  process.stderr.write(` ${((nowMs() - t0) / 1000).toFixed(1)} s\n`);
}

function ratioRow(value, reference, target, limit) {
  const ratio = value / reference;
  return {
    value: ms(value),
    reference: ms(reference),
    ratio: ratio.toFixed(2),
    target,
    pass: ratio <= limit ? 'PASS' : 'FAIL',
  };
}

// ---------------------------------------------------------------------------------------------
// The build under test.
{
  const b = spawnSync(NODE, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
  if (b.status !== 0) {
    process.stderr.write('bench: the build failed; nothing to measure\n');
    process.exit(1);
  }
}
/** The library code row 3 measures: the built `mailsetup/config` and the diff library. */
const lib = {
  MainCf: (await import(pathToFileURL(join(ROOT, 'dist', 'config.js')).href)).MainCf,
  createTwoFilesPatch: (await import('diff')).createTwoFilesPatch,
};

// 1. --version against an empty Node.
if (want('version'))
  row("`mailsetup --version` vs `node -e ''`", RUNS.version, () => {
    const [app, ref] = interleave(
      [{ run: () => timeCommand(NODE, [BIN, '--version']) }, { run: () => timeCommand(NODE, ['-e', '']) }],
      RUNS.version,
      2,
    );
    return ratioRow(median(app), median(ref), 'ratio ≤ 1.3', 1.3);
  });
if (want('version') && existsSync(NODE18)) {
  row("`mailsetup --version` vs `node -e ''`, both on Node 18.19", RUNS.version, () => {
    const [app, ref] = interleave(
      [{ run: () => timeCommand(NODE18, [BIN, '--version']) }, { run: () => timeCommand(NODE18, ['-e', '']) }],
      RUNS.version,
      2,
    );
    return ratioRow(median(app), median(ref), 'ratio ≤ 1.3', 1.3);
  });
}

// 2. First interactive frame in a real terminal.
if (want('frame'))
  row('first interactive frame in tmux (role list) vs `node -e` printing a marker', RUNS.frame, () => {
    const tmux = new Tmux(120, 40);
    const sandbox = makeSandbox(ROOT, join(work, 'frame-root'));
    const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
    try {
      const [app, ref] = interleave(
        [
          { run: () => tmux.timeToText(`exec ${q(NODE)} ${q(BIN)} --root ${q(sandbox)}`, 'Null client') },
          // The reference stays alive like the wizard does (and a pane's last output is not lost).
          {
            run: () =>
              tmux.timeToText(
                `exec ${q(NODE)} -e 'console.log("bench" + "-ready"); setTimeout(() => {}, 60000)'`,
                'bench-ready',
              ),
          },
        ],
        RUNS.frame,
        1,
      );
      return ratioRow(median(app), median(ref), 'ratio ≤ 1.5', 1.5);
    } finally {
      tmux.kill();
    }
  });

// 3. A large main.cf: 20 edits and the preview diff, in process, vs postconf -e.
if (want('maincf'))
  row('20 edits + diff of a 5,000-line main.cf: MainCf in process vs one `postconf -e` call', RUNS.maincf, () => {
    const { text, names } = generateMainCf(5000);
    const edits = twentyEdits(names);
    const dir = join(work, 'maincf');
    mkdirSync(dir, { recursive: true });
    const src = join(work, 'main.cf.big');
    writeFileSync(src, text);
    return measureMainCf(text, edits, dir, src);
  });

// 4. The package (before the applies, which the time budget may cut short).
if (want('pack'))
  row('npm pack: tarball size (unpacked in the notes)', 1, () => {
    const r = packAndInstall();
    return {
      value: kB(r.size),
      reference: '',
      ratio: '',
      target: '≤ 450 kB',
      pass: r.size <= 450_000 ? 'PASS' : 'FAIL',
      extra: r,
    };
  });
if (want('pack')) {
  const last = rows[rows.length - 1];
  const r = last.extra;
  if (r) {
    rows.push({
      name: 'packages fetched by `npm install ./mailsetup-*.tgz` (empty cache, --offline)',
      runs: 1,
      value: String(r.fetched),
      reference: '',
      ratio: '',
      target: '0',
      pass: r.fetched === 0 ? 'PASS' : 'FAIL',
    });
    notes.push(
      `npm pack: ${kB(r.size)} tarball, ${kB(r.unpacked)} unpacked, ${r.files} files. ` +
        `\`npm install\` with an empty cache and --offline: ${r.installOk ? 'succeeded' : 'failed'}, ` +
        `added ${r.added} package(s) (the tarball itself; counted from ${r.addedFrom}).`,
    );
  } else if (last.pass === 'n/a') {
    rows.push({
      name: 'packages fetched by `npm install ./mailsetup-*.tgz`',
      runs: 1,
      value: 'n/a (see the row above)',
      reference: '',
      ratio: '',
      target: '0',
      pass: 'n/a',
    });
  }
}

// 5. Many relay recipients: the whole plan path (answers, validation, plan, state file, diff) is
// linear in the number of entries.
if (want('recipients'))
  row('`--dry-run --root`, backup MX with 100,000 relay recipients vs 10,000', RUNS.recipients, () => {
    const answers = (n) => {
      const file = join(work, `rr${n}.yaml`);
      const lines = [
        'role: backup-mx',
        'myhostname: mx2.example.org',
        'postmaster: admin@example.org',
        'relay_domains: [example.com]',
        'proxy_interfaces: [203.0.113.7]',
        'relay_recipients:',
      ];
      for (let i = 0; i < n; i++) lines.push(`  - user${i}@example.com`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      return file;
    };
    const big = answers(100_000);
    const small = answers(10_000);
    const dir = makeSandbox(ROOT, join(work, 'recipients'));
    const run = (file) => ({
      run: () => timeCommandOutput(NODE, [BIN, '--answers', file, '--dry-run', '--root', dir, '--no-color']).ms,
    });
    // No warm-up round: each 100,000 run takes seconds, and the file cache is warm after the first.
    const [a, b] = interleave([run(big), run(small)], RUNS.recipients, 0);
    removeDir(dir);
    notes.push(
      `relay recipients: --dry-run with 100,000 took ${ms(median(a))}, with 10,000 ${ms(median(b))} (before the ` +
        'table editor and the YAML key check were made linear, 10,000 took 21 s and 100,000 did not finish).',
    );
    return ratioRow(median(a), median(b), 'ratio ≤ 12 (linear: 10× the entries)', 12);
  });

// 6. Whole applies, one row per role.
// A role whose rows would not fit the time budget is left out (and says so); `--only apply`
// (or `--only live`) measures them all.
const BUDGET_MS = 420_000;
let perRole = 0;
/** One row per role of kind `key`, each cut (and saying so) when it would not fit the time budget. */
function perRoleRows(key, runs, label, measure) {
  for (const role of want(key) ? ROLES : []) {
    const name = label(role);
    if (!only && nowMs() - started + perRole > BUDGET_MS) {
      rows.push({
        name,
        runs,
        value: `n/a (skipped: over the time budget on this machine; \`npm run bench -- --only ${key}\`)`,
        reference: '',
        ratio: '',
        target: '',
        pass: 'n/a',
      });
      continue;
    }
    const t0 = nowMs();
    row(name, runs, () => measure(role));
    perRole = Math.max(perRole, nowMs() - t0);
  }
}
perRoleRows(
  'apply',
  RUNS.apply,
  (role) => `apply \`--answers --yes --root\`, ${role} vs its commands on a settled configuration (sh)`,
  measureApply,
);

// 7. Live applies (root only): in a private mount and network namespace, one row per role.
perRoleRows(
  'live',
  RUNS.live,
  (role) =>
    `live apply \`--answers --yes --no-probes\` (Postfix running, one answer changed), ${role} vs its commands on a settled configuration`,
  measureLive,
);
// 8. The network probes a live apply makes, on their own (root).
if (want('live')) {
  row(
    'live apply, null-client: with its network probes vs `--no-probes` (no network in the namespace)',
    RUNS.probes,
    measureProbes,
  );
}

if (extraCa) {
  const start = (env) => ({ run: () => timeCommand(NODE, ['-e', '0'], { env }) });
  const [withCa, without] = interleave(
    [start({ ...process.env, NODE_EXTRA_CA_CERTS: extraCa }), start(process.env)],
    9,
  );
  notes.push(
    `NODE_EXTRA_CA_CERTS is set in this environment (${extraCa}): \`node -e 0\` takes ${ms(median(withCa))} with ` +
      `it and ${ms(median(without))} without (Node parses the bundle at every start). Every row ran without it, ` +
      'as on a box that does not set it.',
  );
}

removeDir(work);

// ---------------------------------------------------------------------------------------------
const m = machine();
const total = (nowMs() - started) / 1000;
const lines = [];
lines.push('# mailsetup benchmark');
lines.push('');
lines.push(
  `Machine: ${m.cpu}, ${m.cores} cores; ${m.os} (kernel ${m.kernel}); Node ${m.node}; Postfix ${m.postfix}; ${m.tmux}.`,
);
lines.push(
  `Load average at the start: ${loadAtStart}, at the end: ${m.load}. Bench took ${total.toFixed(0)} s. ${new Date().toISOString()}.`,
);
const busiest = Math.max(...[loadAtStart, m.load].map((l) => Number(l.split(' ')[0]) || 0));
if (busiest > m.cores * 0.75) {
  lines.push('');
  lines.push(
    `**The machine was busy** (1-minute load up to ${busiest} on ${m.cores} cores): other work shared the CPUs, so ` +
      'every time here is inflated and the ratios are noisy. Run the bench on an idle machine for figures to compare.',
  );
}
lines.push('');
lines.push('Each time is the median of N runs, interleaved with its reference (one untimed warm-up round first).');
lines.push('');
lines.push('| measure | N | mailsetup | reference | ratio | target | result |');
lines.push('| --- | ---: | ---: | ---: | ---: | --- | --- |');
for (const r of rows)
  lines.push(`| ${r.name} | ${r.runs} | ${r.value} | ${r.reference} | ${r.ratio} | ${r.target} | ${r.pass} |`);
if (notes.length) {
  lines.push('');
  lines.push('Notes:');
  for (const n of notes) lines.push(`- ${n}`);
}
const table = `${lines.join('\n')}\n`;
process.stdout.write(`\n${table}`);
if (!only) writeFileSync(join(ROOT, 'bench', 'RESULTS.md'), table);

// ---------------------------------------------------------------------------------------------

function measureMainCf(text, edits, dir, src) {
  const { MainCf, createTwoFilesPatch } = lib;
  const args = edits.map(([n, v]) => `${n}=${v}`);
  let ours = '';
  let patch = '';
  const one = () => {
    const t0 = nowMs();
    ours = MainCf.parse(text).setMany(edits).toString();
    patch = createTwoFilesPatch('/etc/postfix/main.cf', '/etc/postfix/main.cf', text, ours);
    return nowMs() - t0;
  };
  const cold = one();
  const [app, ref] = interleave(
    [
      { run: one },
      {
        setup: () => copyFileSync(src, join(dir, 'main.cf')),
        run: () => timeCommand('postconf', ['-c', dir, '-e', ...args], { env: { ...process.env, NORANDOMIZE: '1' } }),
      },
    ],
    RUNS.maincf,
    1,
  );
  const verdict = sameModuloTail(ours, readFileSync(join(dir, 'main.cf'), 'utf8'), 4);
  notes.push(
    `main.cf: ${text.split('\n').length - 1} lines, ${kB(Buffer.byteLength(text))}; 20 edits (16 in place, 4 appended); ` +
      `diff ${patch.split('\n').length} lines; first (cold) in-process run ${ms(cold)}. ` +
      `Result vs postconf: ${verdict}. The reference includes starting postconf, which is what an admin pays.`,
  );
  return ratioRow(median(app), median(ref), 'not slower (≤ 1)', 1);
}

/**
 * Compare our result with postconf's. Postfix before 3.7.17 appends new names in hash-table
 * order, modern Postfix (and MainCf) sorted by name: the last `tail` lines are compared as a set.
 */
function sameModuloTail(a, b, tail) {
  if (a === b) return 'identical bytes';
  const la = a.split('\n');
  const lb = b.split('\n');
  if (la.length !== lb.length) return `DIFFERENT (${la.length} vs ${lb.length} lines)`;
  const cut = la.length - 1 - tail;
  for (let i = 0; i < cut; i++) if (la[i] !== lb[i]) return `DIFFERENT at line ${i + 1}`;
  const ta = la.slice(cut).sort().join('\n');
  const tb = lb.slice(cut).sort().join('\n');
  return ta === tb
    ? 'identical except the order of the 4 appended lines (this Postfix appends in hash order)'
    : 'DIFFERENT in the appended lines';
}

function measureApply(role) {
  const answers = join(work, `${role}.yaml`);
  writeFileSync(answers, ANSWERS[role]);
  const apply = (dir) => timeCommandOutput(NODE, [BIN, '--answers', answers, '--yes', '--root', dir, '--no-color']);
  let script = '';
  let summary = '';
  const app = [];
  const ref = [];
  for (let i = 0; i < RUNS.apply; i++) {
    const dir = makeSandbox(ROOT, join(work, `${role}-app-${i}`));
    const r = apply(dir);
    app.push(r.ms);
    // The first apply's step list names the files it wrote and the exact commands it ran: the
    // bare script puts the same files in place (one cp) and runs the same commands. Writing the
    // files matters: Postfix's tools pause while main.cf is under two seconds old (they re-read
    // it every 300 ms until it "cools down"), and an admin's script pays that as mailsetup does.
    if (i === 0) ({ script, summary } = bareScript(role, dir, r.stdout));
    removeDir(dir);
    const bare = makeSandbox(ROOT, join(work, `${role}-bare-${i}`));
    ref.push(timeCommand('sh', [script, bare]));
    removeDir(bare);
  }
  notes.push(`${role}: ${summary}`);
  return ratioRow(median(app), median(ref), 'ratio ≤ 1.5', 1.5);
}

/**
 * One live apply in bench/live-ns.sh: { app, ref, cmds } (ms). `probes`: without --no-probes
 * (the apply then makes its DNS lookups and connection tests; the namespace has no network).
 */
function liveRun(role, i, probes = false) {
  if (process.getuid?.() !== 0) throw new Error('needs root (a private mount, network and pid namespace)');
  const first = join(work, `${role}-first.yaml`);
  const changed = join(work, `${role}-changed.yaml`);
  writeFileSync(first, ANSWERS[role]);
  writeFileSync(changed, changedAnswers(role));
  const w = join(work, `${role}-live-${probes ? 'probes-' : ''}${i}`);
  mkdirSync(w, { recursive: true });
  const r = inNamespace(join(ROOT, 'bench', 'live-ns.sh'), [
    w,
    NODE,
    BIN,
    join(ROOT, 'templates'),
    first,
    changed,
    probes ? 'probes' : '',
  ]);
  const get = (k) => r.stdout.match(new RegExp(`^${k} (.*)$`, 'm'))?.[1];
  if (r.status !== 0 || get('app') === undefined)
    throw new Error(
      `bench/live-ns.sh: ${`${r.stderr}`.trim().split('\n').slice(-3).join(' / ') || `exit ${r.status}`}`,
    );
  removeDir(w);
  return { app: Number(get('app')), ref: Number(get('ref')), cmds: get('cmds') ?? '' };
}

function measureLive(role) {
  const app = [];
  const ref = [];
  let cmds = '';
  for (let i = 0; i < RUNS.live; i++) {
    const r = liveRun(role, i);
    app.push(r.app);
    ref.push(r.ref);
    cmds = r.cmds;
  }
  notes.push(
    `live ${role}: Postfix running with the role configured an hour ago; the apply (\`--no-probes\`) changes myhostname. ` +
      `The reference dates the files an hour back and runs: ${cmds}.`,
  );
  return ratioRow(median(app), median(ref), 'ratio ≤ 1.5', 1.5);
}

/**
 * The network probes of a live null-client apply, on their own (issue 20 leaves them out of the
 * apply's target): the apply without --no-probes vs with it, interleaved.
 */
function measureProbes() {
  const withProbes = [];
  const without = [];
  for (let i = 0; i < RUNS.probes; i++) {
    withProbes.push(liveRun('null-client', i, true).app);
    without.push(liveRun('null-client', i).app);
  }
  notes.push(
    "probes: the relay host's port 25 before the apply, the next steps' DNS lookups (SPF, DMARC, MX) and outbound " +
      'probe after it; in the namespace there is no network, so each fails at once (on a host, each is bounded: 3 s ' +
      'for a DNS answer, 5 s for a connection).',
  );
  const r = ratioRow(median(withProbes), median(without), 'measured on its own (no target)', Infinity);
  return { ...r, pass: '—' };
}

/** The shell script that does by hand what the apply in `dir` did (see measureApply). */
function bareScript(role, dir, stdout) {
  const cmds = [];
  const written = [];
  for (const line of stdout.split('\n')) {
    const c = line.match(/^✓ .*?: ((?:postmap|postalias|postfix) -c .*)$/);
    if (c && / check$/.test(c[1])) {
      // Under --root mailsetup checks a private copy of main.cf and master.cf whose queue and data
      // directories are private too (the host's queue is never touched): the same, by hand.
      cmds.push(
        'S=$(mktemp -d) && mkdir "$S/config" "$S/queue" && cp "$R/etc/postfix/master.cf" "$S/config/" && ' +
          '{ cat "$R/etc/postfix/main.cf"; printf "queue_directory = %s/queue\\ndata_directory = %s/data\\n" "$S" "$S"; } ' +
          '> "$S/config/main.cf" && touch -d "-5 seconds" "$S/config/main.cf" && postfix -c "$S/config" check && rm -rf "$S"',
      );
    } else if (c) cmds.push(c[1].split(dir).join('"$R"'));
    const w = line.match(/^✓ Write (\/\S+)$/);
    if (w && !w[1].endsWith('/mailsetup.yaml')) written.push(w[1]);
  }
  if (!cmds.some((c) => / postfix -c "\$S\/config" check /.test(c)))
    throw new Error('the apply ran no `postfix check`; cannot build the bare script');
  if (written.length === 0) throw new Error('the apply wrote no files');
  const stash = join(work, `${role}-stash`);
  // Settled: the copies are dated an hour back, and `cp -p` keeps that, so no tool waits.
  const settled = new Date(Date.now() - 3600_000);
  for (const f of written) {
    mkdirSync(dirname(join(stash, f)), { recursive: true });
    copyFileSync(join(dir, f), join(stash, f));
    utimesSync(join(stash, f), settled, settled);
  }
  const script = join(work, `${role}.sh`);
  writeFileSync(script, `set -e\nR="$1"\ncp -pR ${JSON.stringify(stash)}/. "$R"/\n${cmds.join('\n')}\n`);
  const names = cmds.map((c) => (c.includes(' check') ? 'postfix check (on a private copy)' : c.split(' ')[0]));
  return {
    script,
    summary:
      `the reference copies the ${written.length} files the apply wrote (not its state file) with settled times ` +
      `(an hour old), then runs ${names.join(', ')}.`,
  };
}

function packAndInstall() {
  const dir = join(work, 'pack');
  mkdirSync(dir, { recursive: true });
  const p = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (p.status !== 0) throw new Error(`npm pack: ${p.stderr.trim().split('\n').slice(-1)[0]}`);
  const info = JSON.parse(p.stdout)[0];
  const tgz = join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.tgz')),
  );
  const prefix = join(work, 'install');
  const i = spawnSync(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--cache',
      join(work, 'npm-cache'),
      '--offline',
      '--no-audit',
      '--no-fund',
      '--json',
      tgz,
    ],
    { encoding: 'utf8' },
  );
  if (i.status !== 0)
    throw new Error(
      `npm install --offline with an empty cache failed (so it wanted to fetch): ${i.stderr.trim().split('\n').slice(-1)[0]}`,
    );
  const added = installedCount(prefix, `${i.stdout}\n${i.stderr}`);
  return {
    size: info.size,
    unpacked: info.unpackedSize,
    files: info.entryCount,
    added: added.count,
    addedFrom: added.from,
    fetched: added.count - 1,
    installOk: i.status === 0,
  };
}

/**
 * How many packages `npm install` put in place. The ground truth is the install itself: npm (7 and
 * later) records every installed package in node_modules/.package-lock.json. npm's own summary is
 * the fallback: `added` in its --json output (npm 7–10 and some 11 releases), the length of the
 * `add` list (npm 11 reports the packages it added there), or the "added N packages" line.
 */
function installedCount(prefix, output) {
  try {
    const lock = JSON.parse(readFileSync(join(prefix, 'node_modules', '.package-lock.json'), 'utf8'));
    const pkgs = Object.keys(lock.packages ?? {}).filter((k) => k.startsWith('node_modules/'));
    return { count: pkgs.length, from: 'node_modules/.package-lock.json' };
  } catch {
    // no hidden lockfile: read what npm printed
  }
  const start = output.indexOf('{');
  if (start >= 0) {
    try {
      const j = JSON.parse(output.slice(start, output.lastIndexOf('}') + 1));
      if (typeof j.added === 'number') return { count: j.added, from: "npm's --json `added`" };
      if (Array.isArray(j.add)) return { count: j.add.length, from: "npm's --json `add` list" };
    } catch {
      // not one JSON document
    }
  }
  const m = output.match(/added (\d+) packages?/);
  if (m) return { count: Number(m[1]), from: "npm's summary line" };
  throw new Error(
    'cannot tell how many packages npm installed (no node_modules/.package-lock.json, no count in its output)',
  );
}
