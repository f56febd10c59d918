// Ingresses and IngressClasses (networking.k8s.io/v1): the API only (no controller routes
// them). Validation as ValidateIngressCreate / ValidateIngressClass; the Table rows as
// printers.go printIngress / printIngressClass.

import { field, type FieldError } from '../../util/status-errors.js';
import { ipFamilyOf } from '../../util/ip.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { validateImmutable } from '../validation/meta.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../../util/name-format.js';

interface IngressBackend {
  service?: { name?: string; port?: { name?: string; number?: number } };
  resource?: { apiGroup?: string; kind?: string; name?: string };
}

interface IngressRule {
  host?: string;
  http?: { paths?: { path?: string; pathType?: string; backend?: IngressBackend }[] };
}

export interface Ingress extends KubeObject {
  spec?: { ingressClassName?: string; defaultBackend?: IngressBackend; tls?: { hosts?: string[]; secretName?: string }[]; rules?: IngressRule[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface IngressClass extends KubeObject {
  spec?: { controller?: string; parameters?: { apiGroup?: string; kind?: string; name?: string; scope?: string; namespace?: string } };
}

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateBackend(b: IngressBackend, path: string): FieldError[] {
  if (b.service && b.resource) return [field.invalid(path, '', 'cannot set both resource and service backends')];
  if (b.resource) return b.resource.kind && b.resource.name ? [] : [field.required(`${path}.resource`, 'kind and name are required')];
  if (!b.service) return [field.invalid(path, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const s = b.service;
  if (!s.name) errs.push(field.required(`${path}.service.name`, ''));
  else errs.push(...isDNS1035Label(s.name).map((m) => field.invalid(`${path}.service.name`, s.name, m)));
  const port = s.port ?? {};
  if (port.name && port.number) errs.push(field.invalid(`${path}.service.port`, port.name, 'cannot set both port name & port number'));
  else if (port.name) errs.push(...isDNS1035Label(port.name).map((m) => field.invalid(`${path}.service.port.name`, port.name, m)));
  else if (port.number !== undefined) {
    if (port.number < 1 || port.number > 65535) errs.push(field.invalid(`${path}.service.port.number`, port.number, 'must be between 1 and 65535, inclusive'));
  } else errs.push(field.required(`${path}.service.port`, 'port name or number is required'));
  return errs;
}

function validateHost(host: string, path: string): FieldError[] {
  if (ipFamilyOf(host)) return [field.invalid(path, host, 'must be a DNS name, not an IP address')];
  if (!host.startsWith('*.')) return isDNS1123Subdomain(host).map((m) => field.invalid(path, host, m));
  return isDNS1123Subdomain(host.slice(2)).length ? [field.invalid(path, host, `a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`)] : [];
}

function validateIngressSpec(spec: Ingress['spec']): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  if (!s.rules?.length && !s.defaultBackend) errs.push(field.invalid('spec', s, 'either `defaultBackend` or `rules` must be specified'));
  if (s.defaultBackend) errs.push(...validateBackend(s.defaultBackend, 'spec.defaultBackend'));
  if (s.ingressClassName) errs.push(...isDNS1123Subdomain(s.ingressClassName).map((m) => field.invalid('spec.ingressClassName', s.ingressClassName, m)));
  (s.tls ?? []).forEach((tls, i) => (tls.hosts ?? []).forEach((h, j) => errs.push(...validateHost(h, `spec.tls[${i}].hosts[${j}]`))));
  (s.rules ?? []).forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    if (rule.host) errs.push(...validateHost(rule.host, `${at}.host`));
    if (!rule.http) return;
    if (!rule.http.paths?.length) errs.push(field.required(`${at}.http.paths`, ''));
    (rule.http.paths ?? []).forEach((p, j) => {
      const pat = `${at}.http.paths[${j}]`;
      if (!p.pathType) errs.push(field.required(`${pat}.pathType`, 'pathType must be specified'));
      else if (!PATH_TYPES.includes(p.pathType)) errs.push(field.notSupported(`${pat}.pathType`, p.pathType, PATH_TYPES));
      else if (p.pathType !== 'ImplementationSpecific' && !(p.path ?? '').startsWith('/')) errs.push(field.invalid(`${pat}.path`, p.path ?? '', 'must be an absolute path'));
      errs.push(...validateBackend(p.backend ?? {}, `${pat}.backend`));
    });
  });
  return errs;
}

/** The ADDRESS cell: the load balancer's IPs and hostnames. */
const addresses = (ing: Ingress): string =>
  (ing.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname).filter(Boolean).join(',');

export const ingresses = defineResource<Ingress>({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  resource: 'ingresses',
  shortNames: ['ing'],
  namespaced: true,
  subresources: ['status'],
  tracksGeneration: true,
  columns: [
    nameColumn(),
    column('Class', 'ingressClassName is the name of an IngressClass cluster resource.'),
    column('Hosts', 'Hosts that incoming requests are matched against before the IngressRuleValue is applied'),
    column('Address', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  row: (ing, now) => [
    ing.metadata.name,
    ing.spec?.ingressClassName ?? '<none>',
    (ing.spec?.rules ?? []).map((r) => r.host).filter(Boolean).join(',') || '*',
    addresses(ing),
    ing.spec?.tls?.length ? '80, 443' : '80',
    age(ing, now),
  ],
  validate: (ing, old) => [...validateMeta(ing, old, { namespaced: true, validateName: isDNS1123Subdomain }), ...validateIngressSpec(ing.spec)],
});

function validateIngressClass(ic: IngressClass, old: IngressClass | undefined): FieldError[] {
  const controller = ic.spec?.controller ?? '';
  const errs: FieldError[] = [];
  if (!controller) errs.push(field.required('spec.controller', ''));
  else if (controller.length > 250) errs.push(field.tooLong('spec.controller', 250));
  else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/\S+$/.test(controller))
    errs.push(field.invalid('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  const p = ic.spec?.parameters;
  if (p) {
    if (!p.kind) errs.push(field.required('spec.parameters.kind', ''));
    if (!p.name) errs.push(field.required('spec.parameters.name', ''));
    if (p.apiGroup) errs.push(...isDNS1123Subdomain(p.apiGroup).map((m) => field.invalid('spec.parameters.apiGroup', p.apiGroup, m)));
  }
  if (old) errs.push(...validateImmutable(ic.spec?.controller, old.spec?.controller, 'spec.controller'));
  return errs;
}

export const ingressClasses = defineResource<IngressClass>({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  resource: 'ingressclasses',
  namespaced: false,
  columns: [
    nameColumn(),
    column('Controller', 'Controller that is responsible for handling this class'),
    column('Parameters', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  row(ic, now) {
    const p = ic.spec?.parameters;
    const parameters = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return [ic.metadata.name, ic.spec?.controller ?? '', parameters, age(ic, now)];
  },
  validate: (ic, old) => [...validateMeta(ic, old, { namespaced: false, validateName: isDNS1123Subdomain }), ...validateIngressClass(ic, old)],
});
