// Bundled in place of @alcalzone/ansi-tokenize's diffAnsiCodes (scripts/build.mjs, ansiDiffPlugin).
//
// Ink writes every frame through that library: for each character of each line it asks for the
// ANSI codes that lead from the previous character's style to this one's, and the library
// answers by building two Sets and four arrays every time. Nearly every character has the style
// of the one before (a run of plain or of grey text), so the first frame spent tens of ms and
// most of its garbage collection on answers that are all "nothing". When both styles hold the
// same codes in the same order the library's answer is the empty list (each code of `from` is
// undone only when `to` lacks its end code, each code of `to` is added only when `from` lacks
// it), so this check gives that answer without the work; any other pair goes to the library.
// test/house/ansiDiff.test.ts holds the two to the same answers.

/**
 * @template {{ code: string, endCode: string }} C
 * @param {(from: C[], to: C[]) => C[]} diffAnsiCodes the library's function
 * @returns {(from: C[], to: C[]) => C[]} the same function, quick when the styles are equal
 */
export function withSameStyleShortcut(diffAnsiCodes) {
  return function diffAnsiCodesShortcut(from, to) {
    if (from.length === to.length) {
      let same = true;
      for (let i = 0; i < from.length; i++) {
        if (from[i].code !== to[i].code || from[i].endCode !== to[i].endCode) {
          same = false;
          break;
        }
      }
      if (same) return [];
    }
    return diffAnsiCodes(from, to);
  };
}
