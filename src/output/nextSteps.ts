/**
 * The next steps as styled lines, for the wizard's last screen and the plain-text mode alike:
 * the DNS records the role needs with what is there now, the zone-file lines to copy, what the
 * role needs of the network and of other servers, outbound connections, a test message, the log.
 */
import type { NextSteps, RecordCheck } from '../model/nextSteps.js';
import { STEP_MARKS } from './steps.js';
import type { StyledLine, Style } from './styled.js';

const VERDICT: Readonly<Record<RecordCheck['verdict'], { mark: string; style: Style }>> = {
  ok: STEP_MARKS.ok,
  missing: STEP_MARKS.failed,
  differs: { mark: '!', style: 'warning' },
  'not looked up': STEP_MARKS.skipped,
  'no answer': { mark: '?', style: 'dim' },
};

/** One record: "✓ MX of example.com: 10 mail.example.com", or what it has and what it wants. */
function recordLines(r: RecordCheck): StyledLine[] {
  const v = VERDICT[r.verdict];
  const head: StyledLine = [{ text: '    ' }, { text: v.mark, style: v.style }, { text: ` ${r.what}: ` }];
  const out: StyledLine[] = [];
  if (r.verdict === 'ok') out.push([...head, { text: r.now ?? r.want }]);
  else {
    const now =
      r.verdict === 'not looked up'
        ? 'not looked up'
        : r.verdict === 'no answer'
          ? `no answer (${r.now ?? ''})`
          : r.now;
    out.push([...head, { text: `${now}; wanted: ` }, { text: r.want, style: 'new' }]);
  }
  if (r.note !== undefined && r.verdict !== 'ok') out.push([{ text: `        ${r.note}`, style: 'dim' }]);
  return out;
}

/** The next steps as styled lines, under the heading "Next steps". */
export function nextStepsLines(n: NextSteps): StyledLine[] {
  const out: StyledLine[] = [[{ text: 'Next steps, outside this host', style: 'heading' }]];
  if (n.records.length > 0) {
    out.push([
      { text: '  DNS' },
      { text: n.notLookedUp !== undefined ? ` (${n.notLookedUp})` : ' (looked up just now)', style: 'dim' },
    ]);
    for (const r of n.records) out.push(...recordLines(r));
  }
  if (n.zone.length > 0) {
    out.push([
      {
        text: n.notLookedUp !== undefined ? '  Zone-file lines:' : '  Zone-file lines for what is missing or differs:',
      },
    ]);
    for (const z of n.zone) out.push([{ text: `    ${z}`, style: 'file' }]);
  }
  if (n.outside.length > 0) {
    out.push([{ text: '  Outside this host:' }]);
    for (const o of n.outside) out.push([{ text: `    - ${o}` }]);
  }
  if (n.outbound !== null) {
    const o = n.outbound;
    const verdict: StyledLine =
      o.verdict === null
        ? [{ text: 'not tried', style: 'dim' }]
        : [{ text: o.verdict, style: o.verdict === 'open' ? 'ok' : 'failed' }];
    out.push([{ text: `  Outgoing connections to ${o.target}: ` }, ...verdict]);
    if (o.advice !== null) out.push([{ text: `    ${o.advice}`, style: 'dim' }]);
  }
  out.push([{ text: '  Send a test message:' }]);
  for (const t of n.test) {
    out.push([{ text: '    ' }, { text: t.command, style: 'file' }]);
    out.push([{ text: `      ${t.what}`, style: 'dim' }]);
  }
  out.push([{ text: '  Watch the log: ' }, { text: n.log, style: 'file' }]);
  return out;
}
