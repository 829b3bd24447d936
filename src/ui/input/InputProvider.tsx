/**
 * The input layer for Ink: reads the terminal itself (raw mode, every read decoded into keys by
 * KeyDecoder) instead of Ink's useInput, which takes a whole read for one key. `useKeys` makes a
 * component the active input owner while it is mounted (and `active`): it gets every key, one at
 * a time and in order, with its latest props (the handler is refreshed on every commit), and no
 * component that left the screen gets one. Owners register in layout effects, which run within
 * the commit, so the next key already finds the screen that replaced the previous one.
 */
import { createContext, useContext, useLayoutEffect, useMemo, useRef, type ReactNode } from 'react';
import { useStdin } from 'ink';
import { InputHub, type KeyHandler } from './hub.js';

const HubContext = createContext<InputHub | null>(null);

/** Read `stdin` while mounted and hand its keys to the hub. */
function useStdinKeys(hub: InputHub | null): void {
  const { stdin } = useStdin();
  useLayoutEffect(() => {
    if (hub === null) return;
    const onData = (data: string | Buffer) => hub.input(typeof data === 'string' ? data : data.toString('utf8'));
    stdin.setEncoding('utf8');
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
    return () => {
      stdin.off('data', onData);
      hub.dispose();
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
    };
  }, [stdin, hub]);
}

export interface InputProviderProps {
  /** Ctrl-C, at once (it never waits behind other keys). */
  onInterrupt(): void;
  children?: ReactNode;
}

/** The one reader of the terminal for everything below it. */
export function InputProvider({ onInterrupt, children }: InputProviderProps) {
  const interrupt = useRef(onInterrupt);
  useLayoutEffect(() => {
    interrupt.current = onInterrupt;
  });
  const hub = useMemo(() => new InputHub({ onInterrupt: () => interrupt.current() }), []);
  useStdinKeys(hub);
  return <HubContext.Provider value={hub}>{children}</HubContext.Provider>;
}

/**
 * Make the calling component the active input owner (while `active`). Outside an InputProvider
 * (a component rendered on its own) it reads the terminal itself.
 */
export function useKeys(handler: KeyHandler, active = true): void {
  const shared = useContext(HubContext);
  const own = useMemo(() => (shared === null ? new InputHub({ onInterrupt: () => undefined }) : null), [shared]);
  useStdinKeys(own);
  const hub = shared ?? own;
  const latest = useRef(handler);
  useLayoutEffect(() => {
    latest.current = handler;
  });
  useLayoutEffect(() => {
    if (hub === null || !active) return;
    const owner = hub.register((key, info) => latest.current(key, info));
    return () => hub.unregister(owner);
  }, [hub, active]);
}
