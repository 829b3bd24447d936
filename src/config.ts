/**
 * `mailsetup/config`: the public config-file layer. Editors for Postfix's main.cf and master.cf
 * that produce exactly the bytes `postconf -e/-X/-#/-M/-F/-P` produce, an aliases(5) editor, a
 * lookup-table editor, `$name` expansion and the validators mailsetup applies to every answer.
 * See README.md, "The mailsetup/config module".
 */
export { isSpace, splitPhysicalLines, isNonContent, isContinuation } from './postfix/lines.js';
export { MainCf, checkParameterName, checkParameterValue } from './postfix/mainCf.js';
export type { MainCfEntry, MainCfSyntaxError } from './postfix/mainCf.js';
export { MasterCf, formatMasterEntry, parseMasterEntry, MASTER_FIELDS, SERVICE_TYPES } from './postfix/masterCf.js';
export type { MasterEntry, MasterField, ServiceType } from './postfix/masterCf.js';
export { expand, expandParam, ExpandError, strcmp } from './postfix/expand.js';
export type { ExpandLookup, ExpandOptions, ParameterSource } from './postfix/expand.js';
export { postfixDefaults, defaultMyhostname, defaultMydomain } from './postfix/defaults.js';
export type { DefaultsHost } from './postfix/defaults.js';
export { Aliases, normalizeAliasValue, validateAliasName, validateAliasValue } from './postfix/aliases.js';
export type { AliasEntry } from './postfix/aliases.js';
export { LookupTable, validateLookupKey, validateLookupValue } from './postfix/lookupTable.js';
export type { LookupEntry, TableWarning } from './postfix/lookupTable.js';
export {
  ValidationError,
  assertPlainValue,
  checkPlainValue,
  validateHostname,
  checkHostname,
  validateDomain,
  checkDomain,
  validateEmail,
  checkEmail,
  parseCidr,
  checkCidr,
  isPublic,
  coversAll,
  parseRelayhost,
  checkRelayhost,
  parseTransportValue,
  checkTransportValue,
  validateInetInterfaces,
  checkInetInterfaces,
  validateProxyInterfaces,
  checkProxyInterfaces,
  validateInetProtocols,
  checkInetProtocols,
  validateNotifyClasses,
  checkNotifyClasses,
  NOTIFY_CLASSES,
} from './postfix/validate.js';
export type { Cidr, HostnameOptions, Relayhost, TransportValue } from './postfix/validate.js';
