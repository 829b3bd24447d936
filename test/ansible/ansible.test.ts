/**
 * The Ansible module (ansible/library/mailsetup.py) driven by the real `ansible-playbook`
 * (Debian's ansible-core) against localhost with `connection: local`, each host a --root sandbox,
 * mailsetup the built command: check mode writes nothing and says it would change, an apply
 * changes, a re-apply does not, `--check --diff` shows the main.cf change, a blocking finding fails
 * the task with the linter's message, `state: rolled_back` undoes the apply once, the password
 * never shows, and the fleet example of ansible/README.md runs as written (its install play
 * skipped), as does the cloud-init example's command.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BIN,
  ROOT,
  contentOf,
  ensureBuilt,
  makeSandbox,
  postconfN,
  removeTree,
  runCli,
  snapshotTree,
} from '../helpers/cli.js';
import { expectSchema, onlyDocument } from '../helpers/jsonSchema.js';
import { needsAnsible, needsRoot } from '../helpers/needs.js';
import { describePostfix, tempDir } from '../helpers/postfix.js';

/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 300_000 };

const HAVE_ANSIBLE = needsAnsible('the Ansible module tests');
const AS_ROOT = needsRoot('the Ansible module tests', 'postfix check refuses other users');
const RUN = HAVE_ANSIBLE && AS_ROOT;

const LIBRARY = join(ROOT, 'ansible', 'library');
const EXAMPLES = join(ROOT, 'ansible', 'examples');
const PASSWORD = 'N0t-in-the-0utput!';

let work = '';
let bin = '';
const made: string[] = [];

beforeAll(() => {
  ensureBuilt();
  work = tempDir('mailsetup-ansible-');
  made.push(work);
  // `mailsetup` on the PATH the module searches: the built command, run by this Node.
  bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'mailsetup'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, { mode: 0o755 });
}, 180_000);
afterAll(() => made.forEach(removeTree));

function sandbox(): string {
  const d = makeSandbox('mailsetup-ansible-root-');
  made.push(d);
  return d;
}

interface PlaybookRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

let n = 0;
/** Run ansible-playbook on `plays` (written to a file) with `inventory` (ini text) and `extraEnv`. */
function playbook(
  plays: unknown[] | string,
  args: string[] = [],
  inventory = 'localhost ansible_connection=local\n',
  extraEnv: Record<string, string> = {},
): Promise<PlaybookRun> {
  const dir = join(work, `run-${n++}`);
  mkdirSync(dir);
  const pb = join(dir, 'play.yml');
  writeFileSync(pb, typeof plays === 'string' ? plays : stringifyYaml(plays));
  writeFileSync(join(dir, 'inventory.ini'), `${inventory}\n[all:vars]\nansible_python_interpreter=/usr/bin/python3\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    ANSIBLE_LIBRARY: LIBRARY,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: 'false',
    ANSIBLE_LOCALHOST_WARNING: 'false',
    ANSIBLE_LOCAL_TEMP: join(dir, 'tmp-local'),
    ANSIBLE_REMOTE_TEMP: join(dir, 'tmp-remote'),
    ANSIBLE_CONFIG: join(dir, 'none.cfg'), // no ansible.cfg from the working directory or home
    ...extraEnv,
  };
  return new Promise((resolve, reject) => {
    const child = spawn('ansible-playbook', ['-i', join(dir, 'inventory.ini'), ...args, pb], { cwd: dir, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function said(r: PlaybookRun): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

interface ModuleResult {
  changed: boolean;
  failed?: boolean;
  msg?: string;
  role: { before: string | null; after: string | null };
  findings: Array<{ id: string; level: string; message: string; override: string | null }>;
  params: Array<{ name: string; new: string | null }>;
  files: Array<{ path: string; change: string }>;
  commands: Array<{ id: string; status: string }>;
  backup_dir: string | null;
  rollback: { backupDir: string; kind: string } | null;
  mailsetup: Record<string, unknown>;
  diff?: Array<{ before_header: string; after_header: string; before: string; after: string }>;
}

/**
 * One play on localhost: each of `tasks` a mailsetup task (registered as r0, r1, ...), each
 * followed by a debug task that prints what it registered (also in check mode); resultsOf reads
 * them back from the output. Printed, not saved with ansible.builtin.copy: a copy task runs two
 * modules (stat and copy), about a CPU-second of Python per play here.
 */
function play(
  tasks: Record<string, unknown> | Array<Record<string, unknown>>,
  extra: Record<string, unknown> = {},
): unknown[] {
  return [
    {
      name: 'mailsetup on localhost',
      hosts: 'localhost',
      gather_facts: false,
      tasks: (Array.isArray(tasks) ? tasks : [tasks]).flatMap((task, i) => [
        { name: `mailsetup ${i}`, mailsetup: task, register: `r${i}`, ...extra },
        { name: `result r${i}`, 'ansible.builtin.debug': { var: `r${i}` } },
      ]),
    },
  ];
}

/** What the play's mailsetup tasks registered, in order: the JSON the default output shows for each "result rN" task. */
function resultsOf(run: PlaybookRun): ModuleResult[] {
  const results: ModuleResult[] = [];
  for (let i = 0; run.stdout.includes(`TASK [result r${i}]`); i++) {
    // Within the task's own section: a task that printed nothing must not take the next one's.
    const m = /^ok: \[localhost\] => (\{\n[\s\S]*?\n\})$/m.exec(taskOutput(run, `result r${i}`));
    if (m === null) throw new Error(`no result printed for r${i}:\n${said(run)}`);
    results.push((JSON.parse(m[1]) as Record<string, ModuleResult>)[`r${i}`]);
  }
  if (results.length === 0) throw new Error(`no result printed:\n${said(run)}`);
  return results;
}

/** What the output shows under the task `name`: from its TASK line to the next TASK or PLAY line. */
function taskOutput(run: PlaybookRun, name: string): string {
  const start = run.stdout.indexOf(`TASK [${name}]`);
  if (start < 0) throw new Error(`no task ${name}:\n${said(run)}`);
  const end = run.stdout.slice(start + 1).search(/^(?:TASK|PLAY) /m);
  return end < 0 ? run.stdout.slice(start) : run.stdout.slice(start, start + 1 + end);
}

/** What the play's one mailsetup task registered. */
function resultOf(run: PlaybookRun): ModuleResult {
  const [result, ...more] = resultsOf(run);
  if (more.length > 0) throw new Error(`${more.length + 1} results printed, one expected`);
  return result;
}

const NULL_CLIENT = {
  role: 'null-client',
  myhostname: 'client.example.com',
  relayhost: '[127.0.0.1]:2525',
  postmaster: 'admin@example.com',
};

test('ansible-doc reads the module documentation', TIMEOUT, async () => {
  if (!HAVE_ANSIBLE) return;
  const r = await new Promise<PlaybookRun>((resolve) => {
    const c = spawn('ansible-doc', ['-M', LIBRARY, '-t', 'module', 'mailsetup'], {
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', PAGER: 'cat' },
    });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  expect(r.stderr, said(r)).not.toContain('ERROR');
  expect(r.stdout).toContain('> MAILSETUP');
  for (const opt of ['answers', 'answers_file', 'root', 'executable', 'state']) expect(r.stdout).toContain(`- ${opt}`);
});

// The plays run concurrently: each test has its own sandboxes, run directories and result files,
// and ansible-playbook spends most of its time waiting for its forks and mailsetup.
(RUN ? describePostfix : describe.skip).concurrent('the mailsetup module with ansible-playbook', TIMEOUT, () => {
  test('check mode writes nothing; --check --diff shows main.cf; apply changes; re-apply does not; rolled_back once', async () => {
    const root = sandbox();
    const fresh = contentOf(snapshotTree(root));
    const plays = play({ answers: NULL_CLIENT, root });

    // --check --diff: the plan, nothing written.
    const check = await playbook(plays, ['--check', '--diff']);
    expect(check.status, said(check)).toBe(0);
    expect(check.stdout).toContain('--- before: /etc/postfix/main.cf (absent)\n+++ after: /etc/postfix/main.cf\n');
    expect(check.stdout).toContain('\n+myhostname = client.example.com\n');
    expect(check.stdout).toContain('\n+relayhost = [127.0.0.1]:2525\n');
    expect(taskOutput(check, 'mailsetup 0')).toMatch(/^changed: \[localhost\]$/m);
    expect(contentOf(snapshotTree(root))).toEqual(fresh);
    const planned = resultOf(check);
    expect(planned).toMatchObject({ changed: true, role: { before: null, after: 'null-client' }, backup_dir: null });
    expect(planned.commands.every((c) => c.status === 'planned')).toBe(true);
    expect(planned.params).toContainEqual(expect.objectContaining({ name: 'myhostname', new: 'client.example.com' }));
    expect(planned.diff?.find((d) => d.after_header === '/etc/postfix/main.cf')?.after).toContain(
      'myhostname = client.example.com\n',
    );
    // mailsetup's document, its files without their contents (diff mode shows those).
    expectSchema({ ...planned.mailsetup, files: [] });
    expect(planned.mailsetup.files).toEqual(planned.files);
    expect(planned.files).toContainEqual({
      path: '/etc/postfix/main.cf',
      change: 'created',
      secret: false,
      // The sandbox has no usr/share/postfix of its own: the bundled template, and the file says so.
      description: "Postfix main configuration, started from mailsetup's copy of Debian 12's main.cf.debian",
    });

    // Check mode without --diff: no diff in the result, still nothing written.
    const quiet = await playbook(plays, ['--check']);
    expect(quiet.status, said(quiet)).toBe(0);
    expect(quiet.stdout).not.toContain('+myhostname');
    expect(resultOf(quiet).diff).toBeUndefined();
    expect(contentOf(snapshotTree(root))).toEqual(fresh);

    // Apply.
    const apply = await playbook(plays);
    expect(apply.status, said(apply)).toBe(0);
    const applied = resultOf(apply);
    expect(applied).toMatchObject({ changed: true, role: { before: null, after: 'null-client' } });
    expect(applied.backup_dir).toMatch(new RegExp(`^${root}/var/backups/mailsetup/`));
    expect(applied.commands.find((c) => c.id === 'action:postfix-check')?.status).toBe('ok');
    expect(postconfN(root)).toMatchObject({ myhostname: 'client.example.com', relayhost: '[127.0.0.1]:2525' });

    // Re-apply: nothing changes.
    const before = snapshotTree(root);
    const again = await playbook(plays);
    expect(again.status, said(again)).toBe(0);
    expect(taskOutput(again, 'mailsetup 0')).toMatch(/^ok: \[localhost\]$/m);
    expect(resultOf(again)).toMatchObject({ changed: false, files: [], commands: [] });
    expect(snapshotTree(root)).toEqual(before);

    // state: rolled_back, in check mode: would change, writes nothing.
    const rbPlays = play({ state: 'rolled_back', root });
    const rbCheck = await playbook(rbPlays, ['--check', '--diff']);
    expect(rbCheck.status, said(rbCheck)).toBe(0);
    expect(rbCheck.stdout).toContain('--- before: /etc/postfix/main.cf\n+++ after: /etc/postfix/main.cf (removed)\n');
    expect(resultOf(rbCheck)).toMatchObject({
      changed: true,
      rollback: { kind: 'apply', backupDir: applied.backup_dir },
    });
    expect(snapshotTree(root)).toEqual(before);

    // Rolled back: the files as before the apply.
    const rb = await playbook(rbPlays);
    expect(rb.status, said(rb)).toBe(0);
    expect(resultOf(rb)).toMatchObject({ changed: true, role: { before: 'null-client', after: null } });
    expect(existsSync(join(root, 'etc/postfix/main.cf'))).toBe(false);
    const after = contentOf(snapshotTree(root));
    for (const [k, v] of Object.entries(fresh)) expect(after[k], k).toEqual(v);

    // Again: nothing more to undo.
    const rb2 = await playbook(rbPlays);
    expect(rb2.status, said(rb2)).toBe(0);
    expect(resultOf(rb2)).toMatchObject({ changed: false, rollback: null });
  });

  test('a blocking finding fails the task with the linter message; nothing is written', async () => {
    const root = sandbox();
    const fresh = contentOf(snapshotTree(root));
    const answers = { ...NULL_CLIENT, mynetworks: ['0.0.0.0/0'] };
    const r = await playbook(play({ answers, root }, { ignore_errors: true }));
    expect(r.status, said(r)).toBe(0); // ignore_errors: the play goes on to print the result
    expect(r.stdout).toContain('fatal: [localhost]: FAILED!');
    expect(r.stdout).toContain('mynetworks contains 0.0.0.0/0');
    const res = resultOf(r);
    expect(res.failed).toBe(true);
    expect(
      res.msg?.startsWith(
        'refusing to apply: 1 error (override knowingly with "overrides: [mynetworks-public]" in the answers file): ' +
          'mynetworks-public: mynetworks contains 0.0.0.0/0',
      ),
      res.msg,
    ).toBe(true);
    expect(res.findings).toContainEqual(
      expect.objectContaining({ id: 'mynetworks-public', level: 'error', override: 'mynetworks-public' }),
    );
    expect(contentOf(snapshotTree(root))).toEqual(fresh);

    // Without ignore_errors the playbook fails (ansible-playbook exits 2), in check mode too.
    const strict = await playbook(
      [{ hosts: 'localhost', gather_facts: false, tasks: [{ mailsetup: { answers, root } }] }],
      ['--check'],
    );
    expect(strict.status, said(strict)).toBe(2);
    expect(strict.stdout).toContain('mynetworks contains 0.0.0.0/0');

    // The override, knowingly: it applies.
    const ok = await playbook(play({ answers: { ...answers, overrides: ['mynetworks-public'] }, root }), ['--check']);
    expect(ok.status, said(ok)).toBe(0);
    expect(resultOf(ok).changed).toBe(true);
  });

  test('answers_file on the target; the smart-host password never appears; bad options are refused', async () => {
    const root = sandbox();
    const file = join(work, 'answers.yaml');
    writeFileSync(
      file,
      'role: mail-server\nmyhostname: mail.example.com\nmynetworks: [127.0.0.0/8]\npostmaster: admin@example.com\n',
    );
    const r = await playbook(play({ answers_file: file, root }), ['--check']);
    expect(r.status, said(r)).toBe(0);
    expect(resultOf(r)).toMatchObject({ changed: true, role: { after: 'mail-server' } });

    const secret = {
      ...NULL_CLIENT,
      relayhost: '[smtp.example.net]:587',
      smtp_sasl: { username: 'me@example.net', password: PASSWORD },
    };
    const s = await playbook(play({ answers: secret, root }), ['--check', '--diff', '-vvv']);
    expect(s.status, said(s)).toBe(0);
    expect(s.stdout).not.toContain(PASSWORD);
    expect(s.stderr).not.toContain(PASSWORD);
    expect(s.stdout).toContain('(secret: contents hidden)');
    expect(resultOf(s).changed).toBe(true);

    // Three tasks with bad options in one play (ignore_errors: each is refused, the play goes on).
    const bad = await playbook(
      play(
        [
          { answers: NULL_CLIENT, answers_file: file, root },
          { root },
          { answers: NULL_CLIENT, root, executable: '/nonexistent/mailsetup' },
        ],
        { ignore_errors: true },
      ),
    );
    expect(bad.status, said(bad)).toBe(0);
    expect(resultsOf(bad).map((r) => r.msg)).toEqual([
      'answers and answers_file are mutually exclusive: give one',
      'state present needs answers or answers_file',
      'mailsetup executable /nonexistent/mailsetup is not there or not executable',
    ]);
  });

  test("ansible/README.md's fleet example: --check --diff, apply, re-apply with changed=0 on every host", async () => {
    const readme = readFileSync(join(ROOT, 'ansible', 'README.md'), 'utf8');
    const fleetText = readFileSync(join(EXAMPLES, 'fleet.yml'), 'utf8');
    const inventoryText = readFileSync(join(EXAMPLES, 'inventory.ini'), 'utf8');
    expect(readme.includes(fleetText), 'ansible/README.md shows fleet.yml as it is').toBe(true);
    expect(readme.includes(inventoryText), 'ansible/README.md shows inventory.ini as it is').toBe(true);

    // Each host of the example's inventory: this machine, with its own sandbox.
    const roots: Record<string, string> = {};
    const inventory = inventoryText.replace(/^([a-z0-9.-]+\.example\.(?:com|net))$/gm, (host: string) => {
      roots[host] = sandbox();
      return `${host} ansible_connection=local mailsetup_root=${roots[host]}`;
    });
    expect(Object.keys(roots).sort()).toEqual([
      'mx1.example.com',
      'mx2.example.net',
      'web1.example.com',
      'web2.example.com',
    ]);
    // The example as written, each mailsetup task pointed at its host's sandbox.
    const plays = parseYaml(fleetText) as Array<{ tasks: Array<Record<string, unknown>> }>;
    let tasks = 0;
    for (const p of plays)
      for (const t of p.tasks)
        if (t.mailsetup) {
          (t.mailsetup as Record<string, unknown>).root = '{{ mailsetup_root }}';
          tasks++;
        }
    expect(tasks).toBe(3);
    const args = ['--skip-tags', 'install', '-e', 'ansible_become=false'];
    // The plays gather facts, as written; a fleet's controller keeps them (smart gathering, a fact
    // cache), so the second and third runs do not gather them again: each gathering here is ~2
    // CPU-s of Python, and every host of the inventory is this machine.
    const factCache = {
      ANSIBLE_GATHERING: 'smart',
      ANSIBLE_CACHE_PLUGIN: 'jsonfile',
      ANSIBLE_CACHE_PLUGIN_CONNECTION: join(work, 'facts'),
      ANSIBLE_CACHE_PLUGIN_TIMEOUT: '3600',
    };
    const fresh = Object.fromEntries(Object.entries(roots).map(([h, r]) => [h, contentOf(snapshotTree(r))]));

    const check = await playbook(plays, [...args, '--check', '--diff'], inventory, factCache);
    expect(check.status, said(check)).toBe(0);
    expect(check.stdout).toContain('TASK [Gathering Facts]');
    for (const host of Object.keys(roots)) {
      expect(check.stdout).toMatch(
        new RegExp(`${host.replace(/\./g, '\\.')} +: ok=\\d+ +changed=1 +unreachable=0 +failed=0`),
      );
      expect(contentOf(snapshotTree(roots[host]))).toEqual(fresh[host]);
    }
    expect(check.stdout).toContain('+relayhost = [mx1.example.com]\n');
    expect(check.stdout).toContain('+relay_domains = example.com\n');

    const apply = await playbook(plays, args, inventory, factCache);
    expect(apply.status, said(apply)).toBe(0);
    for (const host of Object.keys(roots))
      expect(apply.stdout).toMatch(
        new RegExp(`${host.replace(/\./g, '\\.')} +: ok=\\d+ +changed=1 +unreachable=0 +failed=0`),
      );
    expect(postconfN(roots['web1.example.com'])).toMatchObject({
      myhostname: 'web1.example.com',
      relayhost: '[mx1.example.com]',
    });
    expect(postconfN(roots['web2.example.com'])).toMatchObject({
      myhostname: 'web2.example.com',
      inet_interfaces: 'loopback-only',
    });
    expect(postconfN(roots['mx1.example.com'])).toMatchObject({
      myhostname: 'mx1.example.com',
      mynetworks: '127.0.0.0/8, [::1]/128, 10.10.0.0/24',
    });
    expect(postconfN(roots['mx2.example.net'])).toMatchObject({
      relay_domains: 'example.com',
      transport_maps: 'hash:/etc/postfix/transport',
    });
    expect(apply.stdout).toContain('mynetworks-foreign'); // mx1's findings, shown by the debug task

    const again = await playbook(plays, args, inventory, factCache);
    expect(again.status, said(again)).toBe(0);
    for (const host of Object.keys(roots))
      expect(again.stdout).toMatch(
        new RegExp(`${host.replace(/\./g, '\\.')} +: ok=\\d+ +changed=0 +unreachable=0 +failed=0`),
      );
  });

  test("ansible/README.md's cloud-init example: its answers and its command apply (in a sandbox)", async () => {
    const readme = readFileSync(join(ROOT, 'ansible', 'README.md'), 'utf8');
    const text = readFileSync(join(EXAMPLES, 'cloud-init.yaml'), 'utf8');
    expect(readme.includes(text), 'ansible/README.md shows cloud-init.yaml as it is').toBe(true);
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const ci = parseYaml(text) as {
      write_files: Array<{ path: string; content: string; permissions: string }>;
      runcmd: string[][];
    };
    const answers = ci.write_files.find((f) => f.path === '/etc/mailsetup/answers.yaml');
    expect(answers?.permissions).toBe('0600');
    const file = join(work, 'cloud-init-answers.yaml');
    writeFileSync(file, answers!.content);
    const cmd = ci.runcmd.at(-1)!;
    expect(cmd.slice(0, 2)).toEqual(['sh', '-c']);
    const m = /^mailsetup (.*) > \/var\/log\/mailsetup\.json$/.exec(cmd[2]);
    expect(m, cmd[2]).not.toBeNull();
    const args = m![1].split(' ').map((a) => (a === '/etc/mailsetup/answers.yaml' ? file : a));
    const root = sandbox();
    const r = await runCli([...args, '--root', root], { via: 'bundle' });
    expect(r.status, r.stderr).toBe(0);
    const doc = onlyDocument(r.stdout);
    expectSchema(doc);
    expect(doc).toMatchObject({ changed: true, role: { after: 'null-client' } });
    expect(postconfN(root)).toMatchObject({ myhostname: 'web3.example.com', relayhost: '[mx1.example.com]' });
  });
});
