/**
 * The role screen's one layout, two renderers: roleFrameLines (src/ui/roleFrame.ts) drawn as
 * plain text (the first frame the wizard writes before Ink has loaded) must be what Ink draws for
 * RoleScreen, character for character and attribute for attribute (bold, colour), for several
 * terminal sizes, on a fresh box and on a re-run, with and without colours, under --root and on
 * the live system, before and after the host's facts arrive.
 */
import chalk from 'chalk';
import { Box } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { HostFacts } from '../../src/model/host.js';
import { roleInfoList } from '../../src/roles/infos.js';
import type { Detection } from '../../src/ui/backend.js';
import { RoleScreen } from '../../src/ui/RoleScreen.js';
import { cutLine, replacePlainFrame, roleFrameLines, roleFrameText } from '../../src/ui/roleFrame.js';
import { RootContext } from '../../src/ui/SummaryScreen.js';
import { ColorContext } from '../../src/ui/style.js';
import { HOST } from './fakeBackend.js';

/** One character on the screen with the attributes it is drawn in. */
interface Cell {
  ch: string;
  bold: boolean;
  underline: boolean;
  fg: string;
}

/**
 * Text with SGR codes as rows of cells, each row without its trailing plain blanks: what a
 * terminal shows, whatever codes (and in what order) led to it.
 */
function cells(text: string): Cell[][] {
  const rows: Cell[][] = [];
  let bold = false;
  let underline = false;
  let fg = '';
  for (const line of text.split('\n')) {
    const row: Cell[] = [];
    const re = /\u001b\[([0-9;]*)m|([^\u001b])/gu;
    for (const m of line.matchAll(re)) {
      if (m[2] !== undefined) {
        row.push({ ch: m[2], bold, underline, fg });
        continue;
      }
      for (const code of (m[1] === '' ? '0' : m[1]).split(';').map(Number)) {
        if (code === 0) [bold, underline, fg] = [false, false, ''];
        else if (code === 1) bold = true;
        else if (code === 22) bold = false;
        else if (code === 4) underline = true;
        else if (code === 24) underline = false;
        else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) fg = String(code);
        else if (code === 39) fg = '';
      }
    }
    while (row.length > 0 && row[row.length - 1].ch === ' ' && row[row.length - 1].fg === '') row.pop();
    rows.push(row);
  }
  return rows;
}

const ROLES = roleInfoList();

const FRESH: Detection = {
  role: null,
  answers: {},
  summary: ['No Postfix configuration yet (no main.cf)'],
};

const RERUN: Detection = {
  role: 'mail-server',
  answers: {},
  summary: [
    'From the state file (mailsetup 0.1.0, 2026-12-01)',
    'myhostname = mx1.example.com, mydomain = example.com',
    'mynetworks = 127.0.0.0/8 [::1]/128 192.168.1.0/24',
    'relayhost = (none), inet_interfaces = all',
    'Postfix check: no warnings',
  ],
};

interface Case {
  name: string;
  detection: Detection;
  index: number;
  host: HostFacts | null;
  probes: string[] | null;
  sandbox?: string;
}

const CASES: Case[] = [
  {
    name: 'a fresh box, the host not probed yet (the first frame)',
    detection: FRESH,
    index: 0,
    host: null,
    probes: null,
  },
  {
    name: 'a re-run, the current role marked and selected, under --root',
    detection: RERUN,
    index: 1,
    host: null,
    probes: null,
    sandbox: '/tmp/sandbox',
  },
  {
    name: 'the host and the probes known',
    detection: RERUN,
    index: 3,
    host: HOST,
    probes: ['Public IPv4 address: 192.0.2.2', 'IPv6: no default route', 'Logging: rsyslog', 'Map type: hash'],
  },
];

const SIZES = [
  { columns: 100, rows: 40 },
  { columns: 80, rows: 24 },
  { columns: 80, rows: 14 },
  { columns: 60, rows: 18 },
  { columns: 40, rows: 30 },
  { columns: 30, rows: 12 },
];

let level: typeof chalk.level;
beforeAll(() => {
  // As render.tsx does on a terminal: Ink styles through chalk, which sees no terminal here.
  level = chalk.level;
  chalk.level = 1;
});
afterAll(() => {
  chalk.level = level;
});
afterEach(() => cleanup());

describe('the plain role screen is the Ink role screen', () => {
  for (const c of CASES) {
    for (const color of [true, false]) {
      test(`${c.name}, ${color ? 'in colour' : 'without colours'}, at every size`, () => {
        for (const size of SIZES) {
          const frame = { roles: ROLES, index: c.index, detection: c.detection, host: c.host, probes: c.probes };
          const { lastFrame, unmount } = render(
            <ColorContext.Provider value={color}>
              <RootContext.Provider value={c.sandbox}>
                <Box width={size.columns}>
                  <RoleScreen {...frame} {...size} onMove={() => undefined} onChoose={() => undefined} />
                </Box>
              </RootContext.Provider>
            </ColorContext.Provider>,
          );
          const ink = lastFrame() ?? '';
          unmount();
          const lines = roleFrameLines({ ...frame, ...size, sandbox: c.sandbox });
          const text = roleFrameText(lines, { color, unicode: true });
          const where = `${size.columns}×${size.rows}`;
          // One line each, ending with a newline as Ink's frames do.
          expect(text.endsWith('\n'), where).toBe(true);
          expect(text.split('\n')).toHaveLength(lines.length + 1);
          expect(cells(text.slice(0, -1)), where).toEqual(cells(ink));
          // The frame fits: no line wider than the terminal, fewer lines than it has (Ink would clear the screen).
          for (const row of cells(text)) expect(row.length, where).toBeLessThanOrEqual(size.columns);
          if (size.rows >= 14) expect(lines.length, where).toBeLessThan(size.rows);
          // Colours only when they are on; bold either way (the selected role, the title, the question).
          const all = cells(text).flat();
          expect(
            all.some((x) => x.fg !== ''),
            where,
          ).toBe(color);
          expect(
            all.some((x) => x.bold),
            where,
          ).toBe(true);
          // The selected role carries the mark.
          expect(
            cells(text).some((row) =>
              row
                .map((x) => x.ch)
                .join('')
                .startsWith(`❯ ${ROLES[c.index].title}`),
            ),
            where,
          ).toBe(true);
        }
      });
    }
  }

  test('the summary gives way on a short terminal, with a line that says how much is left out', () => {
    const frame = { roles: ROLES, index: 1, detection: RERUN, host: null, probes: null, columns: 80 };
    const tall = roleFrameLines({ ...frame, rows: 40 }).map((l) => l.map((s) => s.text).join(''));
    const short = roleFrameLines({ ...frame, rows: 16 }).map((l) => l.map((s) => s.text).join(''));
    for (const line of RERUN.summary) expect(tall).toContain(`         ${line}`);
    expect(short.length).toBeLessThanOrEqual(15);
    expect(short).toContain('         … 3 more lines (a taller terminal shows them)');
    expect(short).toContain(`Role:    ${ROLES[1].title} (mail-server)`);
    expect(short.some((l) => l.startsWith(`❯ ${ROLES[1].title}`))).toBe(true);
  });

  test('ASCII terminals get the same frame with the marks in ASCII', () => {
    const lines = roleFrameLines({
      roles: ROLES,
      index: 0,
      detection: FRESH,
      host: null,
      probes: null,
      rows: 24,
      columns: 80,
    });
    const text = roleFrameText(lines, { color: false, unicode: false });
    expect(text).toContain('\n\u001b[1m> Null client\u001b[22m - sends only');
    expect(text).toContain('^/v move | Enter choose');
    expect([...text].every((ch) => ch.charCodeAt(0) < 128)).toBe(true);
  });
});

describe('cutLine', () => {
  test('cuts at the edge with "…" as Ink does, keeping the styles of what is left', () => {
    expect(cutLine([{ text: 'abc', style: 'dim' }], 3)).toEqual([{ text: 'abc', style: 'dim' }]);
    expect(
      cutLine(
        [
          { text: 'ab', style: 'selected' },
          { text: 'cdef', style: 'dim' },
        ],
        4,
      ),
    ).toEqual([{ text: 'ab', style: 'selected' }, { text: 'c', style: 'dim' }, { text: '…' }]);
    expect(cutLine([{ text: 'abcdef' }], 1)).toEqual([{ text: '…' }]);
  });
});

describe('replacePlainFrame', () => {
  test('goes back over the plain frame and clears it, or clears the screen after a resize', () => {
    expect(replacePlainFrame({ lines: 16, rows: 24, columns: 80 }, { rows: 24, columns: 80 })).toBe(
      '\r\u001b[16A\u001b[J',
    );
    expect(replacePlainFrame({ lines: 16, rows: 24, columns: 80 }, { rows: 24, columns: 100 })).toBe(
      '\u001b[H\u001b[2J',
    );
  });
});
