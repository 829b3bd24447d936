/**
 * Which real-SMTP test file owns which lab slot. A slot S is the loopback network 127.0.S.0/24 and
 * the port 2400 + S (test/helpers/smtp-lab.ts, labAddrs); the test files run in parallel, so a
 * slot has exactly one owner. Two files once took 31–34 each (tls and open-relay-a) and failed
 * with "already in use" whenever vitest happened to run them side by side. Lab.open refuses a
 * slot that is not in this table, and test/smtp/slots.test.ts checks that no two owners share one.
 */
function range(first: number, last: number): readonly number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

export const SLOTS = {
  'null-client': [11],
  'mail-server': [12],
  'backup-mx': [13],
  'firewall-relay': [14],
  verify: [21, 22],
  'open-relay-a': range(31, 34),
  'open-relay-b': range(35, 39),
  'role-switch-1': [41],
  'role-switch-2': [42],
  tls: range(51, 54),
} as const satisfies Record<string, readonly number[]>;

export type SlotOwner = keyof typeof SLOTS;

/** The owner's `i`th slot (from 0); an index past its slots is an error in the test, not a new slot. */
export function slotOf(owner: SlotOwner, i = 0): number {
  const slots: readonly number[] = SLOTS[owner];
  const slot = slots[i];
  if (slot === undefined)
    throw new Error(`${owner} owns ${slots.length} lab slots (test/helpers/slots.ts); asked for #${i + 1}`);
  return slot;
}

/** The owner of a slot, or undefined when the table has none. */
export function ownerOf(slot: number): SlotOwner | undefined {
  return (Object.keys(SLOTS) as SlotOwner[]).find((o) => (SLOTS[o] as readonly number[]).includes(slot));
}
