/** Types of scripts/ansi-diff.mjs (for the test that holds it to the library's answers). */
export function withSameStyleShortcut<C extends { code: string; endCode: string }>(
  diffAnsiCodes: (from: C[], to: C[]) => C[],
): (from: C[], to: C[]) => C[];
