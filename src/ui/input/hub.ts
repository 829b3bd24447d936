/**
 * Where keys go. Every key decoded from the terminal goes to exactly one owner: the active
 * input owner registered last (one per screen). Keys are handed over one at a time, in order;
 * the owner's handler runs to completion (with Ink's legacy React root, its state updates render
 * and commit synchronously, so a screen that replaced it has registered its own owner) before
 * the next key is looked at. While no owner is registered (a screen still loading) keys wait in a
 * queue and go to the next owner, marked `early`: typed before that owner was on screen; so do
 * keys an owner passes on (a screen still loading). Ctrl-C never waits: it interrupts at once.
 */
import { isCtrl, KeyDecoder, type Key } from './keys.js';

export interface KeyInfo {
  /** The key was typed before this owner registered (type-ahead from an earlier screen). */
  early: boolean;
}

/**
 * Handles one key. Returning false leaves the key (and those after it) waiting for the next
 * owner: a screen that is still loading passes on what it has no use for yet.
 */
export type KeyHandler = (key: Key, info: KeyInfo) => void | boolean;

export interface Owner {
  readonly handle: KeyHandler;
  /** Keys numbered up to this one were typed before the owner registered. */
  readonly since: number;
}

/** How long a read may end inside an escape sequence before the held bytes count as typed (ms). */
export const PARTIAL_SEQUENCE_MS = 40;
/** How long a bracketed paste may wait for its end marker (ms). */
export const PASTE_WAIT_MS = 1000;

export interface HubOptions {
  onInterrupt(): void;
  /** Timers (tests may pass their own). */
  setTimer?(fn: () => void, ms: number): () => void;
}

export class InputHub {
  private readonly owners: Owner[] = [];
  private readonly queue: Array<{ key: Key; seq: number }> = [];
  private readonly decoder = new KeyDecoder();
  private seq = 0;
  private draining = false;
  private cancelTimer: (() => void) | null = null;
  private readonly setTimer: (fn: () => void, ms: number) => () => void;

  constructor(private readonly opts: HubOptions) {
    this.setTimer =
      opts.setTimer ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms);
        return () => clearTimeout(t);
      });
  }

  /** A read from the terminal. */
  input(chunk: string): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.take(this.decoder.feed(chunk));
    if (this.decoder.pending) {
      this.cancelTimer = this.setTimer(
        () => {
          this.cancelTimer = null;
          this.take(this.decoder.flush());
        },
        this.decoder.partial ? PARTIAL_SEQUENCE_MS : PASTE_WAIT_MS,
      );
    }
  }

  /** Keys already decoded (tests). */
  take(keys: Key[]): void {
    for (const key of keys) {
      this.seq += 1;
      if (isCtrl(key, 'c')) this.opts.onInterrupt();
      else this.queue.push({ key, seq: this.seq });
    }
    this.drain();
  }

  /** Make `handle` the active owner until unregistered. */
  register(handle: KeyHandler): Owner {
    const owner: Owner = { handle, since: this.seq };
    this.owners.push(owner);
    // Keys that waited for an owner: after the commit that registered it.
    if (this.queue.length > 0) queueMicrotask(() => this.drain());
    return owner;
  }

  unregister(owner: Owner): void {
    const i = this.owners.lastIndexOf(owner);
    if (i >= 0) this.owners.splice(i, 1);
  }

  /** Stop the timers; later input is still decoded. */
  dispose(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  /** Keys waiting for an owner. */
  get waiting(): number {
    return this.queue.length;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        const owner = this.owners.at(-1);
        const next = this.queue[0];
        if (owner === undefined || next === undefined) break;
        this.queue.shift();
        if (owner.handle(next.key, { early: next.seq <= owner.since }) === false) {
          this.queue.unshift(next);
          break;
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
