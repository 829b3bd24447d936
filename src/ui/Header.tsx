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
import { headerLines, postfixStatus } from './roleFrame.js';
import { Line, useColor } from './style.js';

export interface HeaderProps {
  host: HostFacts | null;
  detection: Detection | null;
  roles: RoleInfo[];
  compact?: boolean;
  /** Most lines of the current configuration's summary to show (the rest is counted). */
  maxSummary?: number;
}

export { addressList, currentRole, headerHeight, postfixStatus } from './roleFrame.js';

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
  return (
    <Box flexDirection="column">
      {headerLines(host, detection, roles, maxSummary, sandbox).map((line, i) => (
        <Line key={i} line={line} />
      ))}
    </Box>
  );
}
