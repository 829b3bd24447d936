/**
 * The start header: host name and addresses, Postfix installed or not (and its version), the
 * current role and values. The role comes from the files, read before the first frame; the host's
 * facts arrive after it, in lines kept for them ("probing…"), so nothing below them moves.
 * `compact` gives the one-line form the later screens use. Under --root it says so: a sandbox,
 * whose files are written but whose daemons and network are never touched.
 */
import { useContext } from 'react';
import { Box, Text } from 'ink';
import type { RoleInfo } from '../model/answers.js';
import type { HostFacts } from '../model/host.js';
import type { Detection } from './backend.js';
import { RootContext } from './SummaryScreen.js';
import { useColor } from './style.js';

export interface HeaderProps {
  host: HostFacts | null;
  detection: Detection | null;
  roles: RoleInfo[];
  compact?: boolean;
  /** Most lines of the current configuration's summary to show (the rest is counted). */
  maxSummary?: number;
}

/** "3.7.11, running", "installed, stopped", "not installed". */
export function postfixStatus(host: HostFacts): string {
  const p = host.postfix;
  if (!p.installed) return 'not installed';
  return `${p.version ?? 'installed'}, ${p.running ? 'running' : 'stopped'}`;
}

/** The host's addresses worth showing: every one but loopback (loopback when there is nothing else). */
export function addressList(host: HostFacts): string {
  const outside = host.addresses.filter((a) => a.scope !== 'loopback');
  const shown = outside.length > 0 ? outside : host.addresses;
  if (shown.length === 0) return 'no addresses';
  return shown.map((a) => `${a.address}/${a.prefix} (${a.iface})`).join(', ');
}

/** The current role in words. */
export function currentRole(detection: Detection, roles: RoleInfo[]): string {
  if (detection.role === null) return 'none yet (fresh configuration)';
  if (detection.role === 'custom') return 'custom (configured by hand, not by mailsetup)';
  const info = roles.find((r) => r.id === detection.role);
  return info === undefined ? detection.role : `${info.title} (${detection.role})`;
}

/**
 * Lines the full header takes: the title, the sandbox (under --root), host, Postfix and role lines,
 * the summary shown, the gap.
 */
export function headerHeight(detection: Detection | null, maxSummary: number, sandbox?: string): number {
  const summary = detection?.summary.length ?? 0;
  return 5 + (sandbox === undefined ? 0 : 1) + Math.min(summary, Math.max(0, maxSummary));
}

/** The header. */
export function Header({ host, detection, roles, compact = false, maxSummary = Infinity }: HeaderProps) {
  const tint = useColor();
  const sandbox = useContext(RootContext);
  if (compact) {
    const parts = ['mailsetup'];
    if (sandbox !== undefined) parts.push(`sandbox ${sandbox}`);
    if (host !== null) parts.push(host.fqdn, `Postfix ${postfixStatus(host)}`);
    if (detection !== null) parts.push(`now: ${detection.role ?? 'none'}`);
    return (
      <Text color={tint('gray')} wrap="truncate-end">
        {parts.join(' · ')}
      </Text>
    );
  }
  const summary = detection?.summary ?? [];
  // When the summary does not fit, its last shown line says how many more there are.
  const fits = summary.length <= maxSummary;
  const shown = fits ? summary : summary.slice(0, Math.max(0, maxSummary - 1));
  const hidden = summary.length - shown.length;
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text bold wrap="truncate-end">
        mailsetup: configure Postfix for a standard role
      </Text>
      {sandbox !== undefined && (
        <Text wrap="truncate-end">
          {'Sandbox: '}
          <Text color={tint('yellow')}>{sandbox}</Text>
          <Text color={tint('gray')}> (--root: only files here are written; no daemon, no network)</Text>
        </Text>
      )}
      {host === null ? (
        <>
          <Text color={tint('gray')}>probing the host…</Text>
          <Text> </Text>
        </>
      ) : (
        <>
          <Text wrap="truncate-end">
            {'Host:    '}
            {host.fqdn}
            {host.hostname !== host.fqdn ? ` (${host.hostname})` : ''} · {addressList(host)}
          </Text>
          <Text wrap="truncate-end">
            Postfix: <Text color={host.postfix.installed ? tint('green') : tint('yellow')}>{postfixStatus(host)}</Text>
          </Text>
        </>
      )}
      <Text wrap="truncate-end">
        {'Role:    '}
        {detection === null ? 'reading the current configuration…' : currentRole(detection, roles)}
      </Text>
      {shown.map((line, i) => (
        <Text key={i} color={tint('gray')} wrap="truncate-end">
          {'         '}
          {line}
        </Text>
      ))}
      {hidden > 0 && maxSummary > 0 && (
        <Text color={tint('gray')} wrap="truncate-end">
          {'         '}… {hidden} more {hidden === 1 ? 'line' : 'lines'} (a taller terminal shows them)
        </Text>
      )}
    </Box>
  );
}
