/**
 * Choosing one of a few values, as pure functions of (state, key): a list with a cursor
 * (↑/↓, Home/End, Enter) and a yes/no answer (y, n, ←/→ or Space to switch, Enter takes the one
 * shown). Esc leaves.
 */
import { isChar, type Key } from '../input/keys.js';

export interface SelectOutcome {
  index: number;
  submit?: true;
  back?: true;
}

/** A list of `count` items with the cursor at `index`, after `key`. */
export function select(index: number, count: number, key: Key): SelectOutcome {
  const at = (i: number): SelectOutcome => ({ index: Math.max(0, Math.min(count - 1, i)) });
  switch (key.name) {
    case 'up':
      return at(index - 1);
    case 'down':
      return at(index + 1);
    case 'home':
    case 'pageup':
      return at(0);
    case 'end':
    case 'pagedown':
      return at(count - 1);
    case 'return':
      return count > 0 ? { index, submit: true } : { index };
    case 'escape':
      return { index, back: true };
    default:
      return { index };
  }
}

export interface YesNoOutcome {
  on: boolean;
  submit?: true;
  back?: true;
}

/** A yes/no answer showing `on`, after `key`. */
export function yesNo(on: boolean, key: Key): YesNoOutcome {
  if (isChar(key, 'y') || isChar(key, 'Y')) return { on: true, submit: true };
  if (isChar(key, 'n') || isChar(key, 'N')) return { on: false, submit: true };
  if (key.name === 'left' || key.name === 'right' || key.name === 'tab' || isChar(key, ' ')) return { on: !on };
  if (key.name === 'return') return { on, submit: true };
  if (key.name === 'escape') return { on, back: true };
  return { on };
}
