// ipFamilyPolicy and ipFamilies, settled at allocation time as Kubernetes' initIPFamilyFields
// does (pkg/registry/core/service/storage/alloc.go), for a single-stack cluster whose family is
// the service CIDR's.

import { errors, field, type FieldError } from '../../../util/status-errors.js';
import { ipFamilyOf, type IPFamily } from '../../../util/ip.js';
import { goSlice, invalidGo } from './go-value.js';
import { CLUSTER_IP_NONE, type Service, type ServiceSpec } from './types.js';

const other = (f: string): IPFamily => (f === 'IPv4' ? 'IPv6' : 'IPv4');

export function initIPFamilyFields(svc: Service, old: ServiceSpec | undefined, family: IPFamily): void {
  const spec = svc.spec;
  if (spec.type === 'ExternalName') return;
  const headlessNoSelector = spec.clusterIP === CLUSTER_IP_NONE && Object.keys(spec.selector ?? {}).length === 0;
  // Headless services without a selector default to dual-stack: their endpoints are whatever
  // the user puts there.
  spec.ipFamilyPolicy ??= old?.ipFamilyPolicy ?? (headlessNoSelector ? 'RequireDualStack' : 'SingleStack');
  const families = (spec.ipFamilies ??= []);

  const errs: FieldError[] = [];
  const policyInvalid = (detail: string): FieldError => field.invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy, detail);
  if (spec.ipFamilyPolicy === 'SingleStack') {
    if (spec.clusterIPs?.length === 2)
      errs.push(policyInvalid("must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    if (families.length === 2)
      errs.push(policyInvalid("must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
  }
  for (const [i, ip] of (spec.clusterIPs ?? []).entries()) {
    if (ip === CLUSTER_IP_NONE) break;
    const f = ipFamilyOf(ip);
    if (!f || i < families.length) continue;
    if (f === family) families.push(f);
    else errs.push(invalidGo(`spec.clusterIPs[${i}]`, goSlice(spec.clusterIPs), `${f} is not configured on this cluster`));
  }
  fail(svc, errs);

  if (headlessNoSelector) {
    if (families.length === 0) families.push(family);
    if (families.length < 2 && spec.ipFamilyPolicy !== 'SingleStack') families.push(other(families[0]));
    return;
  }
  if (spec.ipFamilyPolicy === 'RequireDualStack') errs.push(policyInvalid('this cluster is not configured for dual-stack services'));
  families.forEach((f, i) => {
    if (f !== family) errs.push(field.invalid(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster'));
  });
  fail(svc, errs);
  if (families.length === 0) families.push(family);
}

function fail(svc: Service, errs: FieldError[]): void {
  if (errs.length) throw errors.invalid('Service', '', svc.metadata.name ?? '', errs);
}
