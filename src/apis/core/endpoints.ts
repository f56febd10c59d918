// Endpoints (core/v1): the legacy list of a Service's backends, written by the endpoints
// controller. Validation as ValidateEndpoints; the ENDPOINTS cell as printers.go formatEndpoints.

import { field, type FieldError } from '../../util/status-errors.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { invalidEach } from '../validation/meta.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../../util/name-format.js';
import { joinHostPort } from '../../util/ip.js';
import { validateEndpointIP, validatePortNumber } from '../validation/network.js';

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind?: string; namespace?: string; name?: string; uid?: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const SHOWN = 3;

/** `10.244.0.11:8080,10.244.0.12:8080 + 2 more...`; `<none>` without subsets. */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    // Headless services may have no ports: then the addresses alone.
    const targets = ss.ports?.length ? ss.ports.flatMap((p) => addresses.map((a) => joinHostPort(a.ip, p.port))) : addresses.map((a) => a.ip);
    count += targets.length;
    list.push(...targets.slice(0, Math.max(0, SHOWN - list.length)));
  }
  return count > SHOWN ? `${list.join(',')} + ${count - SHOWN} more...` : list.join(',');
}

function validateAddress(a: EndpointAddress, path: string): FieldError[] {
  const errs = validateEndpointIP(a.ip ?? '', `${path}.ip`);
  if (a.hostname) errs.push(...invalidEach(`${path}.hostname`, a.hostname, isDNS1123Label(a.hostname)));
  if (a.nodeName) errs.push(...invalidEach(`${path}.nodeName`, a.nodeName, isDNS1123Subdomain(a.nodeName)));
  return errs;
}

function validatePorts(ports: EndpointPort[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const at = `${path}[${i}]`;
    // Several ports must be told apart by name.
    if (ports.length > 1 && !p.name) errs.push(field.required(`${at}.name`));
    else if (p.name) errs.push(...invalidEach(`${at}.name`, p.name, isDNS1123Label(p.name)));
    if (p.name && names.has(p.name)) errs.push(field.duplicate(`${at}.name`, p.name));
    if (p.name) names.add(p.name);
    errs.push(...validatePortNumber(p.port, `${at}.port`));
    if (!p.protocol) errs.push(field.required(`${at}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(field.notSupported(`${at}.protocol`, p.protocol, PROTOCOLS));
  });
  return errs;
}

export function validateSubsets(subsets: EndpointSubset[] | undefined): FieldError[] {
  return (subsets ?? []).flatMap((ss, i) => {
    const at = `subsets[${i}]`;
    const errs: FieldError[] = [];
    if (!ss.addresses?.length && !ss.notReadyAddresses?.length)
      errs.push(field.required(at, 'must specify `addresses` or `notReadyAddresses`'));
    (ss.addresses ?? []).forEach((a, j) => errs.push(...validateAddress(a, `${at}.addresses[${j}]`)));
    (ss.notReadyAddresses ?? []).forEach((a, j) => errs.push(...validateAddress(a, `${at}.notReadyAddresses[${j}]`)));
    errs.push(...validatePorts(ss.ports ?? [], `${at}.ports`));
    return errs;
  });
}

export const endpoints = defineResource<Endpoints>({
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  resource: 'endpoints',
  singular: 'endpoints',
  listKind: 'EndpointsList',
  shortNames: ['ep'],
  namespaced: true,
  columns: [
    nameColumn(),
    column('Endpoints', 'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.'),
    ageColumn(),
  ],
  row: (ep, now) => [ep.metadata.name, formatEndpoints(ep), age(ep, now)],
  defaults(ep) {
    for (const ss of ep.subsets ?? []) for (const p of ss.ports ?? []) p.protocol ||= 'TCP';
  },
  validate: (ep, old) => [
    ...validateMeta(ep, old, { namespaced: true, validateName: isDNS1123Subdomain }),
    ...validateSubsets(ep.subsets),
  ],
});
