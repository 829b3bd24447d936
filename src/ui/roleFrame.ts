/**
 * The role screen's lines, as a pure function of what the screen shows: the start header (with
 * the summary that gives way on a short terminal), the question, the role list with the selected
 * role marked, the selected role's whole explanation when its row is cut, the help line and the
 * slow probes' notes; every line cut at the terminal's edge with "…". The Ink screen
 * (RoleScreen.tsx) draws these lines, and so does the plain first frame (roleFrameText) that the
 * wizard writes before Ink has loaded: one layout, two renderers. No Ink, no React here: the
 * plain first frame's module graph must not hold them (test/package checks it).
 */
import type { RoleInfo } from '../model/answers.js';
import type { HostFacts } from '../model/host.js';
import { toAscii } from '../output/ascii.js';
import { inkLineText, type Span, type StyledLine } from '../output/styled.js';
import type { Detection } from './backend.js';
import { frameHeight, lineCount, wrapText } from './layout.js';

/** "3.7.11, running", "installed, stopped", "not installed". */
export function postfixStatus(host: HostFacts): string {
  const p = host.postfix;
  if (!p.installed) return 'not installed';
  return `${p.version ?? 'installed'}, ${p.running ? 'running' : 'stopped'}`;
}

/** The host's addresses worth showing: every one but loopback (loopback when there is nothing else). */
export function addressList(host: HostFacts): string {
  const outside = host.addresses.filter((a) => a.scope !== 'loopback');
  const shown = outside.length > 0 ? outside : host.addresses;
  if (shown.length === 0) return 'no addresses';
  return shown.map((a) => `${a.address}/${a.prefix} (${a.iface})`).join(', ');
}

/** The current role in words. */
export function currentRole(detection: Detection, roles: RoleInfo[]): string {
  if (detection.role === null) return 'none yet (fresh configuration)';
  if (detection.role === 'custom') return 'custom (configured by hand, not by mailsetup)';
  const info = roles.find((r) => r.id === detection.role);
  return info === undefined ? detection.role : `${info.title} (${detection.role})`;
}

/**
 * Lines the full header takes: the title, the sandbox (under --root), host, Postfix and role lines,
 * the summary shown, the gap.
 */
export function headerHeight(detection: Detection | null, maxSummary: number, sandbox?: string): number {
  const summary = detection?.summary.length ?? 0;
  return 5 + (sandbox === undefined ? 0 : 1) + Math.min(summary, Math.max(0, maxSummary));
}

/** `line` cut to `columns` characters, its last one "…" when it was longer (as Ink's truncate-end cuts). */
export function cutLine(line: StyledLine, columns: number): StyledLine {
  const width = line.reduce((n, s) => n + s.text.length, 0);
  if (width <= columns) return line;
  let room = Math.max(0, columns - 1);
  const out: StyledLine = [];
  for (const span of line) {
    if (room === 0) break;
    const text = span.text.slice(0, room);
    room -= text.length;
    out.push(span.style === undefined ? { text } : { text, style: span.style });
  }
  out.push({ text: '…' });
  return out;
}

/** The full header's lines (the gap below it included); `maxSummary` lines of the summary at most. */
export function headerLines(
  host: HostFacts | null,
  detection: Detection | null,
  roles: RoleInfo[],
  maxSummary: number,
  sandbox: string | undefined,
): StyledLine[] {
  const summary = detection?.summary ?? [];
  // When the summary does not fit, its last shown line says how many more there are.
  const fits = summary.length <= maxSummary;
  const shown = fits ? summary : summary.slice(0, Math.max(0, maxSummary - 1));
  const hidden = summary.length - shown.length;
  const lines: StyledLine[] = [[{ text: 'mailsetup: configure Postfix for a standard role', style: 'title' }]];
  if (sandbox !== undefined) {
    lines.push([
      { text: 'Sandbox: ' },
      { text: sandbox, style: 'warning' },
      { text: ' (--root: only files here are written; no daemon, no network)', style: 'dim' },
    ]);
  }
  if (host === null) lines.push([{ text: 'probing the host…', style: 'dim' }], []);
  else {
    const name = host.hostname !== host.fqdn ? ` (${host.hostname})` : '';
    lines.push(
      [{ text: `Host:    ${host.fqdn}${name} · ${addressList(host)}` }],
      [{ text: 'Postfix: ' }, { text: postfixStatus(host), style: host.postfix.installed ? 'ok' : 'warning' }],
    );
  }
  lines.push([
    { text: 'Role:    ' },
    { text: detection === null ? 'reading the current configuration…' : currentRole(detection, roles) },
  ]);
  for (const line of shown) lines.push([{ text: `         ${line}`, style: 'dim' }]);
  if (hidden > 0 && maxSummary > 0) {
    const more = `… ${hidden} more ${hidden === 1 ? 'line' : 'lines'} (a taller terminal shows them)`;
    lines.push([{ text: `         ${more}`, style: 'dim' }]);
  }
  lines.push([]);
  return lines;
}

/** The cursor on the detected role, else on the first. */
export function cursorFor(roles: RoleInfo[], detection: Detection | null): number {
  const role = detection?.suggested ?? detection?.role;
  if (role === undefined || role === null || role === 'custom') return 0;
  const i = roles.findIndex((r) => r.id === role);
  return i >= 0 ? i : 0;
}

/** What the role screen shows. */
export interface RoleFrame {
  roles: RoleInfo[];
  /** The highlighted role. */
  index: number;
  detection: Detection | null;
  host: HostFacts | null;
  /** The slow probes' lines; null while they run. */
  probes: string[] | null;
  rows: number;
  columns: number;
  /** The --root sandbox; undefined on the live system. */
  sandbox?: string;
}

/** The role screen's lines, each at most `columns` wide, at most rows − 1 of them when the terminal has room. */
export function roleFrameLines({
  roles,
  index,
  detection,
  host,
  probes,
  rows,
  columns,
  sandbox,
}: RoleFrame): StyledLine[] {
  const current = detection?.role ?? null;
  const items = roles.map((r) => ({
    id: r.id,
    label: r.title,
    hint: `— ${r.summary}${r.id === current ? '  (current)' : ''}`,
  }));
  const waiting = host === null || probes === null;
  const help = `↑/↓ move · Enter choose · Ctrl-C quit without writing${waiting ? ' · (still probing the host)' : ''}`;

  // Lines: header (with its summary), question, the list, [the selected role's whole hint], gap, help, [notes].
  const height = frameHeight(rows);
  const helpLines = lineCount(help, columns);
  const fixed = headerHeight(detection, 0, sandbox) + 1 + roles.length + 1 + helpLines;
  let room = Math.max(0, height - fixed);
  const summaryShown = Math.min(detection?.summary.length ?? 0, room);
  room -= summaryShown;
  const selected = items[index];
  const cut = selected !== undefined && 2 + selected.label.length + 1 + selected.hint.length > columns;
  const whole = cut && selected !== undefined ? wrapText(selected.hint, columns - 4) : [];
  const wholeShown = whole.length <= room ? whole : [];
  room -= wholeShown.length;
  const notes = probes ?? [];
  const notesRoom = Math.max(0, room - 1);
  const notesShown = notes.length <= notesRoom ? notes : notes.slice(0, Math.max(0, notesRoom - 1));
  const notesHidden = notes.length - notesShown.length;

  const lines: StyledLine[] = headerLines(host, detection, roles, summaryShown, sandbox);
  lines.push([{ text: 'Which role should this host play?', style: 'title' }]);
  // The selected row is marked "❯" (">" in ASCII), in bold and cyan: the mark alone shows it without colours.
  items.forEach((item, i) => {
    const label: Span = i === index ? { text: `❯ ${item.label}`, style: 'selected' } : { text: `  ${item.label}` };
    lines.push([label, { text: ` ${item.hint}`, style: 'dim' }]);
  });
  for (const line of wholeShown) lines.push([{ text: `    ${line}`, style: 'dim' }]);
  lines.push([]);
  for (const line of wrapText(help, columns)) lines.push([{ text: line, style: 'dim' }]);
  if (notesRoom > 0 && notes.length > 0) {
    lines.push([]);
    for (const line of notesShown) lines.push([{ text: line, style: 'dim' }]);
    if (notesHidden > 0) {
      const more = `… ${notesHidden} more ${notesHidden === 1 ? 'line' : 'lines'} (a taller terminal shows them)`;
      lines.push([{ text: more, style: 'dim' }]);
    }
  }
  return lines.map((line) => cutLine(line, columns));
}

/** How the plain first frame is drawn: the Ink screen's options. */
export interface PlainFrameOptions {
  /** Colours (bold is drawn either way, as on the Ink screens). */
  color: boolean;
  /** The terminal shows more than ASCII; otherwise the marks are drawn in ASCII. */
  unicode: boolean;
}

/**
 * The role screen as the text Ink writes for it (the same lines, styles and cuts), each line
 * ending with "\n" as Ink's frames do, trailing blanks dropped as Ink drops them.
 */
export function roleFrameText(lines: StyledLine[], opts: PlainFrameOptions): string {
  const text = lines.map((line) => `${inkLineText(trimEnd(line), opts.color)}\n`).join('');
  return opts.unicode ? text : toAscii(text);
}

/** A line without the spaces it ends with. */
function trimEnd(line: StyledLine): StyledLine {
  const out = [...line];
  while (out.length > 0) {
    const last = out[out.length - 1];
    const text = last.text.trimEnd();
    if (text !== '') {
      out[out.length - 1] = last.style === undefined ? { text } : { text, style: last.style };
      break;
    }
    out.pop();
  }
  return out;
}

/** A plain first frame on the terminal, for Ink to replace: its lines and the terminal's size when it was drawn. */
export interface PlainFrame {
  lines: number;
  rows: number;
  columns: number;
}

/**
 * What Ink's first write starts with to take the plain frame's place: back to the frame's first
 * line and clear from there down, in the same write as Ink's frame (nothing flickers, nothing is
 * left). When the terminal was resized since, its lines were re-wrapped and are not where they
 * were drawn: the screen is cleared instead, as on any resize (style.tsx).
 */
export function replacePlainFrame(frame: PlainFrame, size: { rows: number; columns: number }): string {
  if (size.rows !== frame.rows || size.columns !== frame.columns) return '\u001b[H\u001b[2J';
  return `\r\u001b[${frame.lines}A\u001b[J`;
}
