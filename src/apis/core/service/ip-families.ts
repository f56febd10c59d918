// ipFamilyPolicy and ipFamilies, settled before allocation as Kubernetes' initIPFamilyFields does
// (pkg/registry/core/service/storage/alloc.go) for single- and dual-stack clusters: defaults,
// the families a policy asks for, and the upgrade (SingleStack -> *DualStack adds the other
// family) and downgrade (SingleStack again drops the secondary family and IP) on update.

import { errors, field, type FieldError } from '../../../util/status-errors.js';
import { ipFamilyOf, type IPFamily } from '../../../util/ip.js';
import { goSlice, invalidGo } from './go-value.js';
import { CLUSTER_IP_NONE, type Service, type ServiceSpec } from './types.js';

const other = (f: string): IPFamily => (f === 'IPv4' ? 'IPv6' : 'IPv4');

const sameList = (a: string[] | undefined, b: string[] | undefined): boolean =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((v, i) => v === b?.[i]);

/** Fewer entries than before, when the client gave any (an omitted list is not a reduction). */
const reduced = (now: string[] | undefined, before: string[] | undefined): boolean =>
  (now?.length ?? 0) > 0 && now!.length < (before?.length ?? 0);

const getsIP = (t: string | undefined): boolean => t === 'ClusterIP' || t === 'NodePort' || t === 'LoadBalancer';

/** A PreferDualStack service left as it was: never upgraded or downgraded because the cluster
 *  gained or lost a family, only when its client says so. */
function unchangedPreferDualStack(spec: ServiceSpec, old: ServiceSpec | undefined): boolean {
  return (
    !!old &&
    spec.ipFamilyPolicy === 'PreferDualStack' &&
    (old.ipFamilyPolicy ?? 'PreferDualStack') === 'PreferDualStack' &&
    old.type === spec.type &&
    getsIP(spec.type) &&
    sameList(old.clusterIPs, spec.clusterIPs) &&
    sameList(old.ipFamilies, spec.ipFamilies)
  );
}

/**
 * Defaults and checks spec.ipFamilyPolicy and spec.ipFamilies against the cluster's service
 * families (`configured`, primary first); throws 422 Invalid with kube-apiserver's messages.
 */
export function initIPFamilyFields(svc: Service, old: ServiceSpec | undefined, configured: readonly IPFamily[]): void {
  const spec = svc.spec;
  if (spec.type === 'ExternalName' || unchangedPreferDualStack(spec, old)) return;
  const headlessNoSelector = spec.clusterIP === CLUSTER_IP_NONE && Object.keys(spec.selector ?? {}).length === 0;
  // A PUT or PATCH without a policy keeps the old one; headless services without a selector
  // default to dual-stack: their endpoints are whatever the user puts there.
  spec.ipFamilyPolicy ??= old?.ipFamilyPolicy ?? (headlessNoSelector ? 'RequireDualStack' : 'SingleStack');
  const policy = spec.ipFamilyPolicy;

  const errs: FieldError[] = [];
  const policyInvalid = (detail: string): FieldError => field.invalid('spec.ipFamilyPolicy', policy, detail);
  if (old) {
    if (policy === 'SingleStack') {
      // With the lists unchanged, SingleStack is the intent to downgrade (clusterIPs[0] stays).
      if (spec.clusterIPs && spec.clusterIPs.length > 1 && sameList(old.clusterIPs, spec.clusterIPs)) spec.clusterIPs = spec.clusterIPs.slice(0, 1);
      if (spec.ipFamilies && spec.ipFamilies.length > 1 && sameList(old.ipFamilies, spec.ipFamilies)) spec.ipFamilies = spec.ipFamilies.slice(0, 1);
    } else {
      if (reduced(spec.clusterIPs, old.clusterIPs)) errs.push(policyInvalid("must be 'SingleStack' to release the secondary cluster IP"));
      if (reduced(spec.ipFamilies, old.ipFamilies)) errs.push(policyInvalid("must be 'SingleStack' to release the secondary IP family"));
    }
  }
  const families = (spec.ipFamilies ??= []);
  if (policy === 'SingleStack') {
    if (spec.clusterIPs?.length === 2)
      errs.push(policyInvalid("must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    if (families.length === 2)
      errs.push(policyInvalid("must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
  }
  // Families follow the requested IPs.
  for (const [i, ip] of (spec.clusterIPs ?? []).entries()) {
    if (ip === CLUSTER_IP_NONE) break;
    const f = ipFamilyOf(ip);
    if (!f || i < families.length) continue;
    if (configured.includes(f)) families.push(f);
    else errs.push(invalidGo(`spec.clusterIPs[${i}]`, goSlice(spec.clusterIPs), `${f} is not configured on this cluster`));
  }
  fail(svc, errs);

  if (headlessNoSelector) {
    // Allowed even where the cluster has one family: no address is allocated.
    if (families.length === 0) families.push(configured[0]);
    if (families.length < 2 && policy !== 'SingleStack') families.push(other(families[0]));
    return;
  }
  if (policy === 'RequireDualStack' && configured.length < 2)
    errs.push(policyInvalid('this cluster is not configured for dual-stack services'));
  families.forEach((f, i) => {
    if (!configured.some((c) => c === f)) errs.push(field.invalid(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster'));
  });
  fail(svc, errs);
  if (families.length === 0) families.push(configured[0]);
  if (policy !== 'SingleStack' && families.length === 1 && configured.length === 2) families.push(other(families[0]));
}

function fail(svc: Service, errs: FieldError[]): void {
  if (errs.length) throw errors.invalid('Service', '', svc.metadata.name ?? '', errs);
}
