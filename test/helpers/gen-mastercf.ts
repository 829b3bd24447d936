/**
 * Seeded generator of master.cf files and MasterCf edit sequences for the differential tests
 * against the real postconf (test/postfix/masterCf.diff.test.ts). Everything it produces is
 * input the editor accepts: no joined `-o` value with a later letter o, no first non-option
 * argument with whitespace, no comment/blank last line without newline after an entry.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MasterCf, type MasterField, type ServiceType } from '../../src/postfix/masterCf.js';

import { PostconfRunner } from './postconf-async.js';
import { mulberry32, Rng } from './prng.js';

export { mulberry32, Rng };

/** The run's seed: MAILSETUP_SEED if set, else `fallback`. */
export function seedFromEnv(fallback: number): number {
  const env = process.env.MAILSETUP_SEED;
  if (env === undefined || env === '') return fallback >>> 0;
  const n = Number(env);
  if (!Number.isInteger(n)) throw new Error(`MAILSETUP_SEED must be an integer, got "${env}"`);
  return n >>> 0;
}

/** Seed of case `index` of a run (independent of the order in which cases run). */
export function caseSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

/* ---------------------------------------------------------------------------------------- */

const SERVICE_NAMES = [
  'smtp',
  'submission',
  'submissions',
  'pickup',
  'cleanup',
  'qmgr',
  'relay',
  'local',
  'lmtp',
  'anvil',
  '127.0.0.1:2525',
  '[::1]:10025',
  'scalemail-backend',
  'a',
  'dovecot',
  'amavis',
  'policy-spf',
  'very-long-service-name-x',
  'maildrop',
  'retry',
  'grüße',
];
const TYPES: readonly ServiceType[] = ['inet', 'unix', 'unix', 'unix', 'inet', 'unix-dgram', 'fifo', 'pass'];
const BOOLS = ['y', 'n', '-'];
const WAKEUPS = ['-', '0', '60', '300', '1000?', '60?', '1000000?'];
const LIMITS = ['-', '0', '1', '2', '100', '1000000000'];
const COMMANDS = [
  'smtpd',
  'smtp',
  'pipe',
  'local',
  'qmgr',
  'pickup',
  'spawn',
  'trivial-rewrite',
  'lmtp',
  'error',
  'postlogd',
  'cleanup',
  '{spawn x}',
];
const OPTION_NAMES = [
  'syslog_name',
  'smtpd_tls_security_level',
  'smtpd_sasl_auth_enable',
  'smtpd_client_restrictions',
  'milter_macro_daemon_name',
  'content_filter',
  'receive_override_options',
  'smtp_helo_timeout',
  'smtpd_recipient_restrictions',
  'mynetworks',
  'smtp_bind_address',
  'smtpd_tls_wrappermode',
  'x',
];
const OPTION_VALUES = [
  'postfix/submission',
  'encrypt',
  'may',
  'yes',
  'no',
  '',
  'permit_sasl_authenticated,reject',
  '$mua_client_restrictions',
  '${queue_directory}/sock',
  'ORIGINATING',
  '127.0.0.0/8',
  'a=b',
  'no_unknown_recipient_checks,no_header_body_checks,no_milters,no_address_mappings,x',
  'grüße',
  '5',
];
const SPACED_VALUES = ['permit_mynetworks, reject', 'a b c', '$x  $y', 'reject_unauth_destination permit', 'ü ß'];
/** Joined `-oname=value` tokens without a later letter o (postconf keeps those intact). */
const JOINED = [
  '-osmtpd_tls_security_level=may',
  '-osmtpd_sasl_auth_enable=yes',
  '-ox=1',
  '-osmtpd_tls_ask_ccert=yes',
  '-ox=',
];
const FLAGS = ['-v', '-D', '-vD', '-Dv'];
const PLAIN_ARGS = [
  'flags=DRhu',
  'user=vmail',
  'argv=/usr/bin/maildrop',
  '-d',
  '${recipient}',
  '${nexthop}',
  '-r',
  '$sender',
  'x',
  'argv=/usr/lib/scalemail/bin/scalemail-store',
  '${extension}',
  'flags=Fq.',
  '/a/very/long/path/that/keeps/going/and/going/beyond/the/column/limit/of/eighty/characters/x',
  'grün',
  '-',
  '--x',
];
const BRACED_ARGS = ['{ a b }', '{x y}', '{ -f  ${sender} }', '{grüße  x}'];
const COMMENTS = [
  '#',
  '# comment',
  '#  -o smtpd_tls_security_level=encrypt',
  '#smtp      inet  n       -       y       -       -       smtpd',
  '  # indented comment',
  '\t#tab comment',
  '# ü',
  '#       -o smtp_helo_timeout=5',
];
const BLANKS = ['', '  ', '\t', ' \t ', '\f', ' \v'];
const INDENTS = ['  ', '\t', '    ', ' \t', '        ', ' '];

/** Random daemon options and arguments, as raw tokens (accepted by the editor). */
function genArgs(rng: Rng, command: string): string[] {
  const tokens: string[] = [];
  const nOpts = rng.chance(0.35) ? 0 : rng.range(1, 5);
  for (let k = 0; k < nOpts; k++) {
    const r = rng.float();
    if (r < 0.5) tokens.push('-o', `${rng.pick(OPTION_NAMES)}=${rng.pick(OPTION_VALUES)}`);
    else if (r < 0.65) tokens.push('-o', `{ ${rng.pick(OPTION_NAMES)} = ${rng.pick(SPACED_VALUES)} }`);
    else if (r < 0.72) tokens.push('-o', `{${rng.pick(OPTION_NAMES)}=${rng.pick(OPTION_VALUES)}}`);
    else if (r < 0.8) tokens.push(rng.pick(JOINED));
    else if (r < 0.88) tokens.push(rng.pick(FLAGS));
    else if (r < 0.92) tokens.push('-vo', `${rng.pick(OPTION_NAMES)}=${rng.pick(OPTION_VALUES)}`);
    else if (r < 0.95) tokens.push('-o', rng.pick(['{a b}', 'y', '{ y = z }', '{}x']).replace('{}x', '{z}'));
    else tokens.push(`-o${rng.pick(['{ a = b c }', '{x=1}'])}`);
  }
  if (rng.chance(0.05)) tokens.push('--');
  else if (rng.chance(0.03)) return [...tokens, '-o'];
  const nArgs = command === 'pipe' ? rng.range(2, 8) : rng.chance(0.7) ? 0 : rng.range(1, 6);
  for (let k = 0; k < nArgs; k++) {
    const first = k === 0 && tokens[tokens.length - 1] !== '--';
    if (!first && rng.chance(0.15)) tokens.push(rng.pick(BRACED_ARGS));
    else {
      let t = rng.pick(PLAIN_ARGS);
      // A first argument that starts with '-' would be read as an option.
      if (first && t.startsWith('-')) t = 'flags=R';
      tokens.push(t);
    }
  }
  return tokens;
}

/** A random entry as raw tokens. */
function genEntryTokens(rng: Rng, service?: string, type?: string): string[] {
  const command = rng.pick(COMMANDS);
  return [
    service ?? rng.pick(SERVICE_NAMES),
    type ?? rng.pick(TYPES),
    rng.pick(BOOLS),
    rng.pick(BOOLS),
    rng.pick(BOOLS),
    rng.pick(WAKEUPS),
    rng.pick(LIMITS),
    command,
    ...genArgs(rng, command),
  ];
}

function sep(rng: Rng): string {
  const r = rng.float();
  if (r < 0.5) return ' '.repeat(rng.range(1, 7));
  if (r < 0.7) return '\t';
  if (r < 0.85) return rng.pick([' \t', '\t ', '  ', '\t\t']);
  return ' ';
}

/** Render tokens as one entry: random separators, continuation lines, interleaved comments. */
function renderEntry(rng: Rng, tokens: string[], eol: () => string, foldRate: number): string {
  let out = tokens[0];
  for (let k = 1; k < tokens.length; k++) {
    if (k >= 2 && rng.chance(k >= 8 ? foldRate : foldRate / 4)) {
      out += eol();
      const nJunk = rng.chance(0.25) ? rng.range(1, 2) : 0;
      for (let j = 0; j < nJunk; j++) out += (rng.chance(0.6) ? rng.pick(COMMENTS) : rng.pick(BLANKS)) + eol();
      out += rng.pick(INDENTS) + tokens[k];
    } else {
      out += sep(rng) + tokens[k];
    }
  }
  if (rng.chance(0.05)) out += rng.pick([' ', '\t']);
  return out + eol();
}

/** A synthetic master.cf: entries, commented entries, comments and blank lines in any order. */
export function genSyntheticMasterCf(rng: Rng): string {
  const mode = rng.float();
  const crlf = (): string => (mode < 0.7 ? '\n' : mode < 0.88 ? '\r\n' : rng.chance(0.5) ? '\r\n' : '\n');
  const foldRate = rng.pick([0, 0.1, 0.3, 0.6]);
  let text = '';
  if (rng.chance(0.03)) text += '  -o orphan=continuation' + crlf();
  const nItems = rng.range(1, 14);
  const made: string[][] = [];
  for (let k = 0; k < nItems; k++) {
    const r = rng.float();
    if (r < 0.6) {
      const tokens =
        made.length > 0 && rng.chance(0.1) ? genEntryTokens(rng, made[0][0], made[0][1]) : genEntryTokens(rng);
      made.push(tokens);
      text += renderEntry(rng, tokens, crlf, foldRate);
    } else if (r < 0.75) {
      text += '#' + renderEntry(rng, genEntryTokens(rng), () => '\n', 0).trimEnd() + crlf();
    } else if (r < 0.9) {
      text += rng.pick(COMMENTS) + crlf();
    } else {
      text += rng.pick(BLANKS) + crlf();
    }
  }
  return maybeStripFinalNewline(rng, text);
}

/** Strip the final newline sometimes, but only when the last line is content (see refusals). */
function maybeStripFinalNewline(rng: Rng, text: string): string {
  if (!rng.chance(0.1) || !text.endsWith('\n')) return text;
  const stripped = text.endsWith('\r\n') ? text.slice(0, -2) : text.slice(0, -1);
  const last = stripped.slice(stripped.lastIndexOf('\n') + 1);
  if (last.trim() === '' || last.trim().startsWith('#')) return text;
  return stripped;
}

/** Debian's master.cf with random mutations (CRLF, extra comments/blank lines, tabs, no final newline). */
export function genDebianMasterCf(rng: Rng, debian: string): string {
  let lines = debian.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  for (const line of lines) {
    if (rng.chance(0.04)) out.push(rng.chance(0.6) ? rng.pick(COMMENTS) : rng.pick(BLANKS));
    let l = line;
    if (!l.startsWith('#') && !l.startsWith(' ') && rng.chance(0.1))
      l = l.replace(/ +/g, () => (rng.chance(0.5) ? '\t' : ' '));
    out.push(l);
  }
  lines = out;
  const crlf = rng.chance(0.15);
  const text = lines.map((l) => l + (crlf ? '\r\n' : '\n')).join('');
  return maybeStripFinalNewline(rng, text);
}

/* ---------------------------------------------------------------------------------------- */

/** One MasterCf API call. */
export type MasterOp =
  | { op: 'setField'; service: string; type: string; field: MasterField; value: string }
  | { op: 'setOption'; service: string; type: string; name: string; value: string }
  | { op: 'removeOption'; service: string; type: string; name: string }
  | { op: 'replaceService'; service: string; type: string; entry: string }
  | { op: 'removeService'; service: string; type: string }
  | { op: 'commentOutService'; service: string; type: string };

/** Apply an op to the editor. */
export function applyOp(cf: MasterCf, op: MasterOp): void {
  switch (op.op) {
    case 'setField':
      cf.setField(op.service, op.type, op.field, op.value);
      break;
    case 'setOption':
      cf.setOption(op.service, op.type, op.name, op.value);
      break;
    case 'removeOption':
      cf.removeOption(op.service, op.type, op.name);
      break;
    case 'replaceService':
      cf.replaceService(op.service, op.type, op.entry);
      break;
    case 'removeService':
      cf.removeService(op.service, op.type);
      break;
    case 'commentOutService':
      cf.commentOutService(op.service, op.type);
      break;
  }
}

/** The equivalent postconf arguments (one postconf call per op). */
export function postconfArgs(op: MasterOp): string[] {
  const st = `${op.service}/${op.type}`;
  switch (op.op) {
    case 'setField':
      return ['-F', `${st}/${op.field}=${op.value}`];
    case 'setOption':
      return ['-P', `${st}/${op.name}=${op.value}`];
    case 'removeOption':
      return ['-PX', `${st}/${op.name}`];
    case 'replaceService':
      return ['-Me', `${st}=${op.entry}`];
    case 'removeService':
      return ['-MX', st];
    case 'commentOutService':
      return ['-M#', st];
  }
}

/** A random op against the current state of `cf` (accepted by the editor). */
export function genOp(rng: Rng, cf: MasterCf): MasterOp {
  const entries = cf.services();
  let service: string;
  let type: string;
  if (entries.length > 0 && rng.chance(0.85)) {
    const e = rng.pick(entries);
    service = e.service;
    type = e.type;
  } else {
    service = rng.pick(SERVICE_NAMES);
    type = rng.pick(TYPES);
  }
  const r = rng.float();
  if (r < 0.32) {
    const field = rng.pick<MasterField>([
      'chroot',
      'chroot',
      'private',
      'unprivileged',
      'wakeup',
      'process_limit',
      'service',
      'type',
      'command',
      'command',
    ]);
    let value: string;
    switch (field) {
      case 'private':
      case 'unprivileged':
      case 'chroot':
        value = rng.pick(BOOLS);
        break;
      case 'wakeup':
        value = rng.pick(WAKEUPS);
        break;
      case 'process_limit':
        value = rng.pick(LIMITS);
        break;
      case 'service':
        value = rng.pick(SERVICE_NAMES);
        break;
      case 'type':
        value = rng.pick(TYPES);
        break;
      default: {
        const command = rng.pick(COMMANDS);
        value = [command, ...genArgs(rng, command)].join(rng.pick([' ', '  ', '\t']));
      }
    }
    return { op: 'setField', service, type, field, value };
  }
  const current = entries.find((e) => e.service === service && e.type === type);
  const names = current ? current.options.map(([n]) => n).filter((n) => /^[^\s/*={}#]+$/.test(n)) : [];
  if (r < 0.54) {
    const name = names.length > 0 && rng.chance(0.5) ? rng.pick(names) : rng.pick(OPTION_NAMES);
    return { op: 'setOption', service, type, name, value: rng.pick(OPTION_VALUES) };
  }
  if (r < 0.66) {
    const name = names.length > 0 && rng.chance(0.7) ? rng.pick(names) : rng.pick(OPTION_NAMES);
    return { op: 'removeOption', service, type, name };
  }
  if (r < 0.84) {
    let tokens: string[];
    const q = rng.float();
    if (q < 0.6) tokens = genEntryTokens(rng, service, type);
    else if (q < 0.8 && entries.length > 0) {
      const other = rng.pick(entries);
      tokens = genEntryTokens(rng, other.service, other.type);
    } else tokens = genEntryTokens(rng);
    const entry = tokens.map((t, k) => (k === 0 ? t : sep(rng) + t)).join('');
    return { op: 'replaceService', service, type, entry: rng.chance(0.1) ? `  ${entry} ` : entry };
  }
  if (r < 0.92) return { op: 'removeService', service, type };
  return { op: 'commentOutService', service, type };
}

/* ---------------------------------------------------------------------------------------- */

/** Text (UTF-8 decoded) → the latin1 string of its bytes, as postconfEdit takes it. */
export function toBytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Latin1 string of bytes → UTF-8 decoded text. */
export function fromBytes(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/**
 * postconf on master.cf for the differential tests, started by a long-lived shell
 * (helpers/postconf-async.ts): a start from the vitest worker costs several ms of CPU more.
 */
export class PostconfShell {
  private readonly runner = new PostconfRunner();

  /** Write DIR/master.cf (latin1 bytes), run `postconf -c DIR ARGS`, return status and bytes. */
  async edit(dir: string, text: string, args: string[]): Promise<{ status: number; stderr: string; text: string }> {
    await writeFile(join(dir, 'master.cf'), Buffer.from(text, 'latin1'));
    await writeFile(join(dir, 'main.cf'), '');
    const r = await this.runner.run(dir, args.map(toBytes));
    const out = (await readFile(join(dir, 'master.cf'))).toString('latin1');
    return { status: r.status, stderr: fromBytes(r.stderr), text: out };
  }

  /** End the shell. */
  close(): void {
    this.runner.close();
  }
}

/** Short description of an op for failure messages. */
export function describeOp(op: MasterOp): string {
  return `${op.op} ${JSON.stringify(postconfArgs(op))}`;
}
