/**
 * Keys out of terminal input. A terminal delivers bytes in reads whose boundaries mean nothing:
 * `tmux send-keys Down Down Enter`, a slow SSH link, a macro or a paste bring several keys in one
 * read, and a read may end in the middle of an escape sequence. KeyDecoder turns that stream
 * into keys, in order, one per key pressed: arrows, Home/End, PgUp/PgDn, Delete, Enter, Esc,
 * Tab, Backspace, F1 (ESC O P, ESC [11~, ESC [1;2P), Ctrl-letters, each typed character, and a bracketed paste (ESC[200~ … ESC[201~)
 * as one key holding the pasted text. Pure: no I/O, no clock; the caller flushes a held partial
 * sequence after a short wait (a lone Esc at the end of a read that held more keys).
 */

export type KeyName =
  | 'char'
  | 'paste'
  | 'return'
  | 'escape'
  | 'tab'
  | 'backtab'
  | 'backspace'
  | 'delete'
  | 'insert'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown'
  | 'f1'
  | 'unknown';

export interface Key {
  name: KeyName;
  /** The character ('char': the letter of a Ctrl key, lower case), or the pasted text ('paste'). */
  text: string;
  ctrl: boolean;
  /** Alt (an Esc before a navigation key). */
  meta: boolean;
  shift: boolean;
  /** The bytes it came from. */
  sequence: string;
}

function key(name: KeyName, sequence: string, extra: Partial<Key> = {}): Key {
  return { name, text: '', ctrl: false, meta: false, shift: false, sequence, ...extra };
}

/** A typed character (no Ctrl, no Alt). */
export function isChar(k: Key, ch?: string): boolean {
  return k.name === 'char' && !k.ctrl && !k.meta && (ch === undefined || k.text === ch);
}

/**
 * The key that opens and closes a question's help: `?` typed alone, or F1. Where `?` is text (a
 * secret) only F1 is (`charToo` false). A paste holding `?` is text, never this key.
 */
export function isHelpKey(k: Key, charToo = true): boolean {
  return k.name === 'f1' || (charToo && isChar(k, '?'));
}

/** Ctrl and a letter (`letter` lower case). */
export function isCtrl(k: Key, letter: string): boolean {
  return k.name === 'char' && k.ctrl && k.text === letter;
}

const PASTE_START = '\u001b[200~';
const PASTE_END = '\u001b[201~';

/** CSI final letters of the navigation keys. */
const CSI_LETTER: Readonly<Record<string, KeyName>> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
  P: 'f1',
  Z: 'backtab',
};

/** CSI n ~ keys. */
const CSI_TILDE: Readonly<Record<string, KeyName>> = {
  '1': 'home',
  '2': 'insert',
  '3': 'delete',
  '4': 'end',
  '5': 'pageup',
  '6': 'pagedown',
  '7': 'home',
  '8': 'end',
  '11': 'f1',
};

/** SS3 (ESC O x) keys: the cursor keys in application mode, Home, End, keypad Enter, F1. */
const SS3: Readonly<Record<string, KeyName>> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
  M: 'return',
  P: 'f1',
};

/** Modifiers of a CSI key ("1;5A" = Ctrl-Up): xterm's 1 + (shift 1 | alt 2 | ctrl 4). */
function modifiers(params: string): Pick<Key, 'ctrl' | 'meta' | 'shift'> {
  const m = Number(params.split(';')[1] ?? '1') - 1;
  return { shift: (m & 1) !== 0, meta: (m & 2) !== 0, ctrl: (m & 4) !== 0 };
}

/** Text as a paste leaves it: line ends as "\n", no other control character. */
export function cleanPaste(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

/** Splits terminal input into keys; holds an incomplete sequence until more input (or flush()). */
export class KeyDecoder {
  private held = '';
  /** Inside a bracketed paste: the text so far. */
  private pasted: string | null = null;

  /** True while bytes are held: a partial escape sequence, or a paste not yet ended. */
  get pending(): boolean {
    return this.held !== '' || this.pasted !== null;
  }

  /** True while a partial escape sequence (not a paste) is held: the caller flushes it after a short wait. */
  get partial(): boolean {
    return this.held !== '' && this.pasted === null;
  }

  /** The keys in `chunk` (with what was held before), in order. */
  feed(chunk: string): Key[] {
    // A read holding only Esc is the Esc key: nothing else sends a lone ESC in a read of its own.
    const alone = chunk === '\u001b' && this.held === '' && this.pasted === null;
    if (alone) return [esc()];
    const input = this.held + chunk;
    this.held = '';
    const out: Key[] = [];
    let i = 0;
    while (i < input.length) {
      if (this.pasted !== null) {
        const end = input.indexOf(PASTE_END, i);
        if (end < 0) {
          // Keep a possible start of the end marker for the next read.
          let keep = 0;
          for (let n = Math.min(PASTE_END.length - 1, input.length - i); n > 0; n--) {
            if (PASTE_END.startsWith(input.slice(input.length - n))) {
              keep = n;
              break;
            }
          }
          this.pasted += input.slice(i, input.length - keep);
          this.held = input.slice(input.length - keep);
          return out;
        }
        this.pasted += input.slice(i, end);
        out.push(key('paste', this.pasted, { text: cleanPaste(this.pasted) }));
        this.pasted = null;
        i = end + PASTE_END.length;
        continue;
      }
      const ch = input[i];
      if (ch === '\u001b') {
        const r = this.escape(input, i);
        if (r === null) {
          this.held = input.slice(i);
          return out;
        }
        if (r.key !== null) out.push(r.key);
        i = r.next;
        continue;
      }
      if (ch === '\r') {
        const crlf = input[i + 1] === '\n';
        out.push(key('return', crlf ? '\r\n' : '\r'));
        i += crlf ? 2 : 1;
        continue;
      }
      // "\n": Ctrl-J, and Enter typed before the terminal left cooked mode (ICRNL).
      if (ch === '\n') out.push(key('return', ch));
      else if (ch === '\t') out.push(key('tab', ch));
      else if (ch === '\u007f' || ch === '\b') out.push(key('backspace', ch));
      else if (ch >= '\u0001' && ch <= '\u001a') {
        out.push(key('char', ch, { ctrl: true, text: String.fromCharCode(ch.charCodeAt(0) + 96) }));
      } else if (ch < ' ' || (ch >= '\u0080' && ch <= '\u009f')) out.push(key('unknown', ch));
      else {
        const cp = input.codePointAt(i) ?? 0;
        const text = String.fromCodePoint(cp);
        out.push(key('char', text, { text }));
        i += text.length;
        continue;
      }
      i += 1;
    }
    return out;
  }

  /** The held bytes as what they are, once no more input followed them. */
  flush(): Key[] {
    if (this.pasted !== null) {
      // A paste that never ended: take what came.
      const text = this.pasted + this.held;
      this.pasted = null;
      this.held = '';
      return [key('paste', text, { text: cleanPaste(text) })];
    }
    const held = this.held;
    this.held = '';
    if (held === '') return [];
    // An Esc, then whatever followed it as plain keys.
    return [esc(), ...this.feed(held.slice(1))];
  }

  /**
   * The escape sequence at input[i]: the key and where the next one starts; null when the input
   * ends inside it. A key of null: a sequence that is no key (a stray paste end).
   */
  private escape(input: string, i: number): { key: Key | null; next: number } | null {
    const next = input[i + 1];
    if (next === undefined) return null;
    if (next === '[') {
      const m = /^\u001b\[([0-9;:<=>?]*)([ -/]*)([@-~])/.exec(input.slice(i));
      if (m === null) {
        // Incomplete while only parameter bytes follow; otherwise a broken sequence: Esc, then the rest.
        return /^\u001b\[[0-9;:<=>? -/]*$/.test(input.slice(i)) ? null : { key: esc(), next: i + 1 };
      }
      const [seq, params, , final] = m;
      const end = i + seq.length;
      if (final === '~') {
        const n = params.split(';')[0];
        if (n === '200') {
          this.pasted = '';
          return { key: null, next: end };
        }
        if (n === '201') return { key: null, next: end };
        const name = CSI_TILDE[n];
        return { key: key(name ?? 'unknown', seq, name ? modifiers(params) : {}), next: end };
      }
      const name = CSI_LETTER[final];
      if (name === undefined) return { key: key('unknown', seq), next: end };
      return { key: key(name, seq, modifiers(params)), next: end };
    }
    if (next === 'O') {
      const third = input[i + 2];
      if (third === undefined) return null;
      const seq = input.slice(i, i + 3);
      return { key: key(SS3[third] ?? 'unknown', seq), next: i + 3 };
    }
    if (next === '\u001b' && (input[i + 2] === '[' || input[i + 2] === 'O')) {
      // Alt with a navigation key (ESC ESC [ A): the key, with meta.
      const inner = this.escape(input, i + 1);
      if (inner === null) return null;
      return {
        key: inner.key === null ? null : { ...inner.key, meta: true, sequence: `\u001b${inner.key.sequence}` },
        next: inner.next,
      };
    }
    // Alt-Backspace (ESC DEL), the word delete of shells.
    if (next === '\u007f') return { key: key('backspace', '\u001b\u007f', { meta: true }), next: i + 2 };
    // Esc followed by anything else: the Esc key; what follows is parsed on its own (Esc then a
    // letter typed in one read is two keys; mailsetup binds no Alt-letter).
    return { key: esc(), next: i + 1 };
  }
}

function esc(): Key {
  return key('escape', '\u001b');
}

/** The keys of `text` as one read followed by a pause (held bytes flushed). */
export function keysOf(text: string): Key[] {
  const d = new KeyDecoder();
  return [...d.feed(text), ...d.flush()];
}

/** The bracketed-paste switches a terminal understands (DECSET 2004). */
export const BRACKETED_PASTE_ON = '\u001b[?2004h';
export const BRACKETED_PASTE_OFF = '\u001b[?2004l';

/** Text of a paste start marker, for tests. */
export const PASTE_MARKERS = { start: PASTE_START, end: PASTE_END } as const;
