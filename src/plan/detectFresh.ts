/**
 * What detect() says about a box without main.cf, decided from the files' presence alone: no
 * parser and no role module is needed, so the wizard's first frame can show it before the
 * planner is loaded. null when main.cf exists (detect() reads it).
 */
import type { Detection } from '../model/plan.js';
import { MAIN_CF, STATE_PATH } from '../model/paths.js';
import type { MainCf } from '../postfix/mainCf.js';

/** The header's line when mailsetup.yaml outlived main.cf. */
export const STALE_STATE_LINE =
  '  mailsetup.yaml from an earlier setup is still there: main.cf is gone (Postfix purged?), so this box is treated as fresh';
/** A fresh box (no main.cf), also when a state file outlived it (purge and reinstall); null when main.cf exists. */
export function freshDetection(files: Readonly<Record<string, string | null>>): Detection | null {
  const mainText = files[MAIN_CF];
  if (mainText !== null && mainText !== undefined) return null;
  return described({ role: null, answers: {}, source: 'none' }, null, files[STATE_PATH] ? [STALE_STATE_LINE] : []);
}

/** The main.cf values the start header shows. */
const SHOWN = ['myhostname', 'mydomain', 'relayhost', 'relay_domains', 'mynetworks'] as const;

/**
 * The lines under "Role:" in the wizard's start header: where the current configuration comes
 * from and its main values, as main.cf has them now (what Postfix runs with), not as mailsetup
 * recorded them: a value changed by hand since says so. The header's own lines show the host,
 * its addresses and the Postfix status, so they are not repeated here.
 */
export function described(
  d: Omit<Detection, 'summary'>,
  cf: Pick<MainCf, 'get'> | null,
  extra: string[] = [],
): Detection {
  const lines: string[] = [];
  if (d.role === null) lines.push('No Postfix configuration yet (no main.cf)', ...extra);
  else if (d.role === 'custom') lines.push('Current configuration: custom (not one of the standard roles)');
  else
    lines.push(
      `Current role: ${d.role}${d.source === 'state' ? ' (set up by mailsetup)' : ' (recognised from main.cf)'}`,
    );
  const byHand = new Set((d.handEdits ?? []).map((e) => e.name));
  for (const k of SHOWN) {
    // A hand edit has its own line (extra), with the value mailsetup had set.
    const v = cf?.get(k);
    if (byHand.has(k) || v === undefined || v.trim() === '') continue;
    lines.push(`  ${k} = ${v}`);
  }
  if (d.role !== null) lines.push(...extra);
  return { ...d, summary: lines };
}
