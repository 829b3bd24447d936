/**
 * The never-an-open-relay suite: for each role and a few seeded random valid answer sets
 * (adapted to the lab's loopback next hops), mailsetup configures a private Postfix and an
 * outside client (127.0.0.9, not in mynetworks) tries every relay trick against every domain the
 * host accepts mail for. Each RCPT must be refused (4xx/5xx), also where the answers accept
 * every recipient of a relay domain (`@domain`).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RoleId } from '../../src/model/answers.js';
import { ROLE_IDS } from '../../src/roles/index.js';
import { describeRealPostfix } from './instance.js';
import {
  Lab,
  OUTSIDE,
  deliver,
  labAddrs,
  randomLabAnswers,
  rcptReplies,
  relayProbes,
  type LabAddrs,
  type RoleAnswers,
} from './smtp-lab.js';
import { SEED } from './gen-answers.js';
import { slotOf, type SlotOwner } from './slots.js';

/** A fixed answer set added to the random ones (e.g. an accept-all relay domain). */
export interface ExtraCase {
  name: string;
  answers: (a: LabAddrs) => RoleAnswers;
}

interface Case {
  role: RoleId;
  slot: number;
  name: string;
  answers: () => RoleAnswers;
}

/** Domains the host accepts mail for under these answers (the targets of the trick forms). */
function acceptedDomains(a: RoleAnswers): string[] {
  const host = (a.myhostname ?? '').toLowerCase();
  const domain = host.slice(host.indexOf('.') + 1);
  const out = [host];
  if (a.role === 'mail-server' || a.role === 'null-client') out.push(domain);
  for (const d of a.relay_domains ?? []) out.push(d.toLowerCase());
  return [...new Set(out)];
}

/**
 * Run the suite for `roles` × `perRole` seeds, then the extra cases, on the owner's slots in turn
 * (test/helpers/slots.ts). The labs start in parallel (most of a start is waiting: the CLI,
 * postfix check, daemons coming up).
 */
export function openRelaySuite(roles: RoleId[], owner: SlotOwner, perRole = 2, extra: ExtraCase[] = []): void {
  const cases: Case[] = roles.flatMap((role, r) =>
    Array.from({ length: perRole }, (_, k) => {
      const seed = SEED + 1000 * ROLE_IDS.indexOf(role) + k;
      const slot = slotOf(owner, r * perRole + k);
      return { role, slot, name: `seed ${seed}`, answers: () => randomLabAnswers(role, seed, labAddrs(slot)) };
    }),
  );
  for (const [i, x] of extra.entries()) {
    const slot = slotOf(owner, roles.length * perRole + i);
    cases.push({ role: x.answers(labAddrs(slot)).role, slot, name: x.name, answers: () => x.answers(labAddrs(slot)) });
  }
  describeRealPostfix(`never an open relay: ${roles.join(', ')} with seeded random answers`, () => {
    const labs = new Map<number, { lab: Lab; answers: RoleAnswers }>();

    beforeAll(async () => {
      const started = await Promise.allSettled(
        cases.map(async (c) => {
          const answers = c.answers();
          labs.set(c.slot, { lab: await Lab.start(c.slot, answers), answers });
        }),
      );
      const failed = started.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (failed) throw failed.reason;
    }, 180_000);
    afterAll(async () => {
      await Promise.allSettled([...labs.values()].map((x) => x.lab.dispose()));
    }, 60_000);

    for (const c of cases) {
      it(`${c.role} (${c.name}): every relay trick from 127.0.0.9 is refused at RCPT`, async () => {
        const { lab, answers } = labs.get(c.slot) as { lab: Lab; answers: RoleAnswers };
        const own = new Set([...(answers.proxy_interfaces ?? [])]);
        const literal = ['198.51.100.7', '198.51.100.8', '203.0.113.7', '203.0.113.8'].find(
          (x) => !own.has(x),
        ) as string;
        const domains = acceptedDomains(answers);
        const probes = domains.flatMap((d, i) =>
          relayProbes(d, literal).filter(
            (p) => i === 0 || (p.name !== 'foreign recipient' && p.name !== 'address literal'),
          ),
        );
        const replies = await rcptReplies(
          lab.addrs.smtp,
          OUTSIDE,
          'stranger@outside.example',
          probes.map((p) => p.rcpt),
        );
        const report = probes.map((p, i) => `${p.name} <${p.rcpt}>: ${replies[i].text}`).join('\n');
        expect(
          probes.filter((_p, i) => replies[i].code < 400).map((p) => p.rcpt),
          report,
        ).toEqual([]);
        // A relay domain that accepts every recipient (@domain) still refuses the routing forms
        // (reject_unauth_destination refuses sender-specified routing), yet takes plain mail for
        // any user there and passes it to that domain's next hop only.
        const wildcard = (answers.relay_recipients ?? []).filter((r) => r.startsWith('@')).map((r) => r.slice(1));
        for (const d of wildcard) {
          const tag = `or-${c.slot}-${d}`;
          const r = await deliver(lab.addrs.smtp, OUTSIDE, 'stranger@outside.example', `anyone@${d}`, tag);
          expect(r.data?.code, r.transcript.join('\n')).toBe(250);
          const sink = c.role === 'backup-mx' ? lab.primary : lab.inside;
          const m = await sink.waitFor((x) => x.data.includes(`mailsetup test ${tag}`), `anyone@${d}`);
          expect(m.to).toEqual([`anyone@${d}`]);
        }
        expect(lab.relay.messages().filter((m) => m.from === 'stranger@outside.example')).toEqual([]);
      }, 60_000);
    }
  });
}
