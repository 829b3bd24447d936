/**
 * `mailsetup/config`: the public config-file layer. Editors for Postfix's main.cf and master.cf
 * that produce exactly the bytes `postconf -e/-X/-#/-M/-F/-P` produce, an aliases(5) editor, a
 * lookup-table editor, `$name` expansion and the validators mailsetup applies to every answer.
 * See README.md, "The mailsetup/config module".
 */
export { isSpace, splitPhysicalLines, isNonContent, isContinuation } from './postfix/lines.js';
