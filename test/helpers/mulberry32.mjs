// The seeded PRNG every generator of cases shares: the test helpers (through prng.ts) and the bench
// (bench/gen-maincf.mjs). Plain JavaScript, so that the bench imports it without a TypeScript step.

/**
 * mulberry32: a small, fast, deterministic 32-bit PRNG. Returns floats in [0, 1).
 * @param {number} seed
 * @returns {() => number}
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
