/**
 * The start header: host name and addresses, Postfix installed or not (and its version), the
 * current role and values. The probes arrive after the first frame: until then it says "probing…".
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

/** The header. */
export function Header({ host, detection, roles, compact = false }: HeaderProps) {
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
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text bold>mailsetup: configure Postfix for a standard role</Text>
      {sandbox !== undefined && (
        <Text wrap="truncate-end">
          {'Sandbox: '}
          <Text color={tint('yellow')}>{sandbox}</Text>
          <Text color={tint('gray')}> (--root: only files here are written; no daemon, no network)</Text>
        </Text>
      )}
      {host === null ? (
        <Text color={tint('gray')}>probing the host…</Text>
      ) : (
        <>
          <Text wrap="truncate-end">
            {'Host:    '}
            {host.fqdn}
            {host.hostname !== host.fqdn ? ` (${host.hostname})` : ''} · {addressList(host)}
          </Text>
          <Text>
            Postfix: <Text color={host.postfix.installed ? tint('green') : tint('yellow')}>{postfixStatus(host)}</Text>
          </Text>
        </>
      )}
      {host !== null && detection === null && <Text color={tint('gray')}>reading the current configuration…</Text>}
      {detection !== null && (
        <>
          <Text>
            {'Role:    '}
            {currentRole(detection, roles)}
          </Text>
          {detection.summary.map((line, i) => (
            <Text key={i} color={tint('gray')} wrap="truncate-end">
              {'         '}
              {line}
            </Text>
          ))}
        </>
      )}
    </Box>
  );
}
