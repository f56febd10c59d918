// Ports and endpoint IPs as Kubernetes validates them (util/validation IsValidPortNum,
// IsValidPortName; core validation ValidateEndpointIP), with Kubernetes' messages.

import { field, type FieldError } from '../../util/status-errors.js';
import {
  ipFamilyOf,
  isLinkLocalMulticastIP,
  isLinkLocalUnicastIP,
  isUnspecifiedIP,
  type IPFamily,
} from '../../util/ip.js';
import { maxLenError } from '../../util/name-format.js';

export function validatePortNumber(port: number, path: string): FieldError[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535
    ? []
    : [field.invalid(path, port, 'must be between 1 and 65535, inclusive')];
}

/** An IANA service name: at most 15 of [-a-z0-9], a letter among them, no edge or double hyphens. */
export function isValidPortName(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

const FAMILY_MESSAGE: Record<IPFamily | 'any', string> = {
  any: 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
  IPv4: 'must be a valid IPv4 address',
  IPv6: 'must be a valid IPv6 address',
};

/** An endpoint address: a valid IP (of `family` when given) that is not unspecified or
 *  link-local. Unlike Kubernetes, loopback addresses are accepted: tinykube's default network
 *  gives pods addresses in 127.244.0.0/16 and the API server listens on 127.0.0.1. */
export function validateEndpointIP(ip: string, path: string, family?: IPFamily): FieldError[] {
  const actual = ipFamilyOf(ip);
  if (!actual || (family && actual !== family)) return [field.invalid(path, ip, FAMILY_MESSAGE[family ?? 'any'])];
  const errs: FieldError[] = [];
  if (isUnspecifiedIP(ip)) errs.push(field.invalid(path, ip, `may not be unspecified (${ip})`));
  if (isLinkLocalUnicastIP(ip)) errs.push(field.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (isLinkLocalMulticastIP(ip))
    errs.push(field.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}
