/** The lab slots of the real-SMTP test files (test/helpers/slots.ts): one owner per slot. */
import { expect, test } from 'vitest';
import { labAddrs } from '../helpers/smtp-lab.js';
import { SLOTS, ownerOf, slotOf, type SlotOwner } from '../helpers/slots.js';

test('no two test files share a lab slot, and every slot makes a valid loopback network and port', () => {
  const seen = new Map<number, SlotOwner>();
  for (const owner of Object.keys(SLOTS) as SlotOwner[]) {
    for (const slot of SLOTS[owner]) {
      expect(seen.get(slot), `slot ${slot} of ${owner}`).toBeUndefined();
      seen.set(slot, owner);
      expect(ownerOf(slot)).toBe(owner);
      expect(Number.isInteger(slot) && slot >= 1 && slot <= 99).toBe(true);
      const a = labAddrs(slot);
      expect(a.smtp).toEqual({ host: `127.0.${slot}.25`, port: 2400 + slot });
    }
  }
  // tls.test and open-relay-a once both took 31–34.
  expect(ownerOf(31)).toBe('open-relay-a');
  expect(ownerOf(51)).toBe('tls');
});

test("an owner's slots are counted: asking past them is an error, and an unowned slot has no owner", () => {
  expect(slotOf('verify', 1)).toBe(22);
  expect(() => slotOf('verify', 2)).toThrow(/verify owns 2 lab slots/);
  expect(ownerOf(99)).toBeUndefined();
});
