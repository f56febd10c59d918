// EndpointSlices (discovery.k8s.io/v1): where Services' backends live; kube-proxy and
// `kubectl describe svc` read them. Defaults, validation (pkg/apis/discovery/validation) and the
// Table row (printers.go printEndpointSlice) as in Kubernetes.

import { field, type FieldError } from '../../util/status-errors.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { invalidEach, validateImmutable, validateLabels } from '../validation/meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../../util/name-format.js';
import { validateEndpointIP } from '../validation/network.js';

export type AddressType = 'IPv4' | 'IPv6' | 'FQDN';

export interface Endpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: { kind?: string; namespace?: string; name?: string; uid?: string };
  deprecatedTopology?: Record<string, string>;
  hints?: unknown;
}

export interface EndpointPort {
  /** Always present after defaulting: kubectl describe crashes on a port without a name. */
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSlice extends KubeObject {
  addressType: AddressType;
  endpoints?: Endpoint[];
  ports?: EndpointPort[] | null;
}

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_TOPOLOGY_LABELS = 16;
const SHOWN = 3;

const tooMany = (path: string, actual: number, max: number): FieldError => ({
  type: 'FieldValueTooMany',
  field: path,
  message: `Too many: ${actual}: must have at most ${max} items`,
});

/** Go's listWithMoreString: three items, then `+ N more...`; `<unset>` when empty. */
function listWithMore(items: string[]): string {
  if (items.length > SHOWN) return `${items.slice(0, SHOWN).join(',')} + ${items.length - SHOWN} more...`;
  return items.join(',') || '<unset>';
}

/** A port number, its name when it has none, or `*` (all ports). */
export const formatSlicePorts = (ports: EndpointPort[] | null | undefined): string =>
  listWithMore((ports ?? []).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name || '*')));

export const formatSliceEndpoints = (endpoints: Endpoint[] | undefined): string =>
  listWithMore((endpoints ?? []).flatMap((e) => e.addresses ?? []));

/** IsFullyQualifiedDomainName: at least two labels, a trailing dot allowed. */
function validateFQDN(name: string, path: string): FieldError[] {
  if (!name) return [field.required(path)];
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  const errs = isDNS1123Subdomain(bare);
  if (errs.length) return [field.invalid(path, bare, errs.join(','))];
  const labels = bare.split('.');
  if (labels.length < 2) return [field.invalid(path, bare, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const labelErrs = isDNS1123Label(label);
    if (labelErrs.length) return [field.invalid(path, label, labelErrs.join(','))];
  }
  return [];
}

function validateAddress(address: string, type: AddressType, path: string): FieldError[] {
  if (type === 'FQDN') return validateFQDN(address, path);
  if (type === 'IPv4' || type === 'IPv6') return validateEndpointIP(address, path, type);
  return []; // unknown types are reported on addressType
}

function validateEndpoints(endpoints: Endpoint[] | undefined, type: AddressType): FieldError[] {
  const list = endpoints ?? [];
  if (list.length > MAX_ENDPOINTS) return [tooMany('endpoints', list.length, MAX_ENDPOINTS)];
  return list.flatMap((e, i) => {
    const at = `endpoints[${i}]`;
    const errs: FieldError[] = [];
    const addresses = e.addresses ?? [];
    if (addresses.length === 0) errs.push(field.required(`${at}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(`${at}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => errs.push(...validateAddress(a, type, `${at}.addresses[${j}]`)));
    if (e.nodeName) errs.push(...invalidEach(`${at}.nodeName`, e.nodeName, isDNS1123Subdomain(e.nodeName)));
    const topology = Object.keys(e.deprecatedTopology ?? {}).length;
    if (topology > MAX_TOPOLOGY_LABELS) errs.push(tooMany(`${at}.deprecatedTopology`, topology, MAX_TOPOLOGY_LABELS));
    errs.push(...validateLabels(e.deprecatedTopology, `${at}.deprecatedTopology`));
    if (e.hostname !== undefined) errs.push(...invalidEach(`${at}.hostname`, e.hostname, isDNS1123Label(e.hostname)));
    return errs;
  });
}

function validatePorts(ports: EndpointPort[] | null | undefined): FieldError[] {
  const list = ports ?? [];
  if (list.length > MAX_PORTS) return [tooMany('ports', list.length, MAX_PORTS)];
  const names = new Set<string>();
  return list.flatMap((p, i) => {
    const at = `ports[${i}]`;
    const name = p.name ?? '';
    const errs = name ? invalidEach(`${at}.name`, name, isDNS1123Label(name)) : [];
    if (names.has(name)) errs.push(field.duplicate(`${at}.name`, name));
    names.add(name);
    if (!p.protocol) errs.push(field.required(`${at}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(field.notSupported(`${at}.protocol`, p.protocol, PROTOCOLS));
    if (p.appProtocol) errs.push(...invalidEach(`${at}.appProtocol`, p.appProtocol, isQualifiedName(p.appProtocol)));
    return errs;
  });
}

function validateAddressType(type: string | undefined): FieldError[] {
  if (!type) return [field.required('addressType')];
  return ADDRESS_TYPES.includes(type) ? [] : [field.notSupported('addressType', type, ADDRESS_TYPES)];
}

export const endpointSlices = defineResource<EndpointSlice>({
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  resource: 'endpointslices',
  namespaced: true,
  tracksGeneration: true,
  columns: [
    nameColumn(),
    column('AddressType', 'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation.'),
    column('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
    ageColumn(),
  ],
  row: (s, now) => [s.metadata.name, s.addressType ?? '', formatSlicePorts(s.ports), formatSliceEndpoints(s.endpoints), age(s, now)],
  defaults(s) {
    for (const p of s.ports ?? []) {
      p.name ??= '';
      p.protocol ??= 'TCP';
    }
  },
  validate(s, old) {
    const errs = validateMeta(s, old, { namespaced: true, validateName: isDNS1123Subdomain });
    errs.push(...(old ? validateImmutable(s.addressType, old.addressType, 'addressType') : validateAddressType(s.addressType)));
    errs.push(...validateEndpoints(s.endpoints, s.addressType), ...validatePorts(s.ports));
    return errs;
  },
});
