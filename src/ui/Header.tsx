/**
 * The one-line header of the screens after the role screen: mailsetup, the sandbox under --root
 * (whose files are written but whose daemons and network are never touched), the host, the
 * Postfix status and the current role. The role screen's full start header (host name and
 * addresses, Postfix installed or not, the current role and values) is part of its lines in
 * ./roleFrame.ts, which the plain first frame draws too.
 */
import { useContext } from 'react';
import { Text } from 'ink';
import type { HostFacts } from '../model/host.js';
import type { Detection } from './backend.js';
import { RootContext } from './SummaryScreen.js';
import { postfixStatus } from './roleFrame.js';
import { useColor } from './style.js';

export interface HeaderProps {
  host: HostFacts | null;
  detection: Detection | null;
}

/** The header. */
export function Header({ host, detection }: HeaderProps) {
  const tint = useColor();
  const sandbox = useContext(RootContext);
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
