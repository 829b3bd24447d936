/**
 * TCP for the real Effects (src/system/realEffects.ts): dial a connection, bounded, and present
 * a node socket (plain or TLS) as a `Connection`. Used by Effects.connect and by the smart-host
 * login test (src/system/smtpLogin.ts), which upgrades its socket to TLS.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { ConnectOptions, Connection } from '../model/effects.js';
import { showEndpoint } from '../postfix/network.js';

/** "0.3 s", "15 s". */
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * The socket once `event` ('connect', or 'secureConnect' for TLS) has fired, within the timeout;
 * on a timeout or an error before it, the socket is destroyed and the promise rejects with the
 * caller's error. After it, errors are left to the socket's next owner (the reader, or the TLS
 * socket on top), and one with none is ignored rather than ending the process.
 */
export function whenReady<T extends Socket>(
  sock: T,
  event: 'connect' | 'secureConnect',
  timeoutMs: number,
  errors: { timeout: () => Error; failed: (e: NodeJS.ErrnoException) => Error },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      sock.destroy();
      reject(errors.timeout());
    }, timeoutMs);
    sock.once(event, () => {
      clearTimeout(t);
      sock.removeAllListeners('error');
      sock.on('error', () => undefined);
      resolve(sock);
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      sock.destroy();
      reject(errors.failed(e));
    });
  });
}

/** A node socket as a Connection (it must already be connected). */
export function socketConnection(sock: Socket): Connection {
  let ended: { error?: Error } | null = null;
  let notify: ((error?: Error) => void) | null = null;
  const end = (error?: Error) => {
    if (ended) return;
    ended = error ? { error } : {};
    notify?.(error);
  };
  const onError = (e: Error) => end(e);
  const onEnd = () => end();
  // An error before anyone listens must not go unhandled (it would end the process).
  sock.on('error', onError);
  sock.on('end', onEnd);
  sock.on('close', onEnd);
  return {
    write(text) {
      sock.write(text);
    },
    listen(onData, onEnded) {
      const data = (d: Buffer) => onData(d.toString('latin1'));
      sock.on('data', data);
      notify = onEnded;
      if (ended) onEnded(ended.error);
      return () => {
        sock.off('data', data);
        sock.off('error', onError);
        sock.off('end', onEnd);
        sock.off('close', onEnd);
        // Errors of a socket handed over (to TLS) surface through its new owner.
        sock.on('error', () => undefined);
        notify = null;
      };
    },
    close() {
      sock.destroy();
    },
  };
}

/** Dial host:port (from a local address when given), within the timeout. */
export function dialTcp(opts: ConnectOptions): Promise<Connection> {
  const where = showEndpoint(opts.host, opts.port);
  const from = opts.localAddress ? ` from ${opts.localAddress}` : '';
  return new Promise<Connection>((resolve, reject) => {
    const s = netConnect({
      host: opts.host,
      port: opts.port,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    const t = setTimeout(() => {
      s.destroy();
      reject(
        Object.assign(new Error(`no connection to ${where}${from} within ${seconds(opts.timeoutMs)}`), {
          code: 'ETIMEDOUT',
        }),
      );
    }, opts.timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.removeAllListeners('error');
      resolve(socketConnection(s));
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      s.destroy();
      reject(Object.assign(new Error(`cannot connect to ${where}${from}: ${e.code ?? e.message}`), { code: e.code }));
    });
  });
}
