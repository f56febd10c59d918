// ValidateService / ValidateServiceUpdate (pkg/apis/core/validation/validation.go), with
// Kubernetes 1.32's field paths and messages, quirks included (`spec.LoadBalancerSourceRanges`,
// a bare `allocateLoadBalancerNodePorts` path): kubectl prints them to users as they are.
//
// Runs before allocation (see index.ts), so a zero healthCheckNodePort is not "required" here:
// allocation fills it in.

import { field, type FieldError } from '../../../util/status-errors.js';
import { invalidEach, validateLabels } from '../../validation/meta.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, maxLenError } from '../../../util/name-format.js';
import { validateMeta } from '../../descriptor.js';
import {
  ipFamilyOf,
  isLinkLocalMulticastIP,
  isLinkLocalUnicastIP,
  isLoopbackIP,
  isUnspecifiedIP,
  isValidCIDR,
} from '../../../util/ip.js';
import { duplicateGo, goServicePortKey, goSlice, invalidGo } from './go-value.js';
import {
  CLUSTER_IP_NONE,
  SERVICE_TYPES,
  externallyAccessible,
  isHeadless,
  needsHealthCheckNodePort,
  type Service,
  type ServicePort,
  type ServiceSpec,
} from './types.js';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_CLIENT_IP_TIMEOUT_SECONDS = 86400;
const TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
const TOPOLOGY_HINTS = 'service.kubernetes.io/topology-aware-hints';
const IP_EXAMPLE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const LB_ONLY = "may only be used when `type` is 'LoadBalancer'";

/** validation.IsValidPortNum */
function portNumErrors(n: number): string[] {
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** validation.IsValidPortName: an IANA_SVC_NAME. */
function portNameErrors(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(s)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(s)) errs.push('must contain at least one letter (a-z)');
  if (s.includes('--')) errs.push('must not contain consecutive hyphens');
  if (s.startsWith('-') || s.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

const validIP = (path: string, ip: string): FieldError[] =>
  ipFamilyOf(ip) ? [] : [field.invalid(path, ip, IP_EXAMPLE)];

/** ValidateNonSpecialIP: addresses that make no sense as a Service's external IP. */
function nonSpecialIP(path: string, ip: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isUnspecifiedIP(ip)) errs.push(field.invalid(path, ip, `may not be unspecified (${ip})`));
  if (isLoopbackIP(ip)) errs.push(field.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (isLinkLocalUnicastIP(ip))
    errs.push(field.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (isLinkLocalMulticastIP(ip))
    errs.push(field.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

function validatePort(p: ServicePort, path: string, requireName: boolean, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !p.name) errs.push(field.required(`${path}.name`));
  else if (p.name) {
    errs.push(...invalidEach(`${path}.name`, p.name, isDNS1123Label(p.name)));
    if (names.has(p.name)) errs.push(field.duplicate(`${path}.name`, p.name));
    else names.add(p.name);
  }
  errs.push(...portNumErrors(p.port).map((m) => field.invalid(`${path}.port`, p.port, m)));
  if (!p.protocol) errs.push(field.required(`${path}.protocol`));
  else if (!PROTOCOLS.includes(p.protocol)) errs.push(field.notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
  const target = p.targetPort ?? 0;
  const targetErrs = typeof target === 'number' ? portNumErrors(target) : portNameErrors(target);
  errs.push(...targetErrs.map((m) => field.invalid(`${path}.targetPort`, target, m)));
  if (p.appProtocol !== undefined)
    errs.push(...invalidEach(`${path}.appProtocol`, p.appProtocol, isQualifiedName(p.appProtocol)));
  return errs;
}

function validatePorts(spec: ServiceSpec): FieldError[] {
  const ports = spec.ports ?? [];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validatePort(p, `spec.ports[${i}]`, ports.length > 1, names)));
  if (spec.type === 'ClusterIP')
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(field.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const key = `${p.protocol}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(field.duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
    nodePorts.add(key);
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.protocol}/${p.port}`;
    if (seen.has(key)) errs.push(duplicateGo(`spec.ports[${i}]`, goServicePortKey(p.protocol ?? '', p.port)));
    seen.add(key);
  });
  return errs;
}

function validateSessionAffinity(spec: ServiceSpec): FieldError[] {
  if (!spec.sessionAffinity) return [field.required('spec.sessionAffinity')];
  if (!['ClientIP', 'None'].includes(spec.sessionAffinity))
    return [field.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None'])];
  if (spec.sessionAffinity !== 'ClientIP') return [];
  const path = 'spec.sessionAffinityConfig';
  const why = 'when session affinity type is ClientIP';
  const cfg = spec.sessionAffinityConfig;
  if (!cfg) return [field.required(path, why)];
  if (!cfg.clientIP) return [field.required(`${path}.clientIP`, why)];
  const timeout = cfg.clientIP.timeoutSeconds;
  if (timeout == null) return [field.required(`${path}.clientIP.timeoutSeconds`, why)];
  if (timeout <= 0 || timeout > MAX_CLIENT_IP_TIMEOUT_SECONDS)
    return [
      field.invalid(
        `${path}.clientIP.timeoutSeconds`,
        timeout,
        `must be greater than 0 and less than ${MAX_CLIENT_IP_TIMEOUT_SECONDS}`,
      ),
    ];
  return [];
}

/** ValidateServiceClusterIPsRelatedFields. */
function validateClusterIPs(spec: ServiceSpec): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ips = spec.clusterIPs ?? [];
  const shown = goSlice(spec.clusterIPs);
  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(field.required('spec.clusterIPs'));
    else if (ips[0] !== spec.clusterIP) errs.push(invalidGo('spec.clusterIPs', shown, 'first value must match `clusterIP`'));
  } else if (ips.length > 0) {
    errs.push(invalidGo('spec.clusterIPs', shown, 'must be empty when `clusterIP` is not specified'));
  }
  const families = new Set<string>();
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(field.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
    if (families.has(f)) errs.push(field.duplicate(`spec.ipFamilies[${i}]`, f));
    families.add(f);
  });
  const policies = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
  if (spec.ipFamilyPolicy !== undefined && !policies.includes(spec.ipFamilyPolicy))
    errs.push(field.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, policies));
  let badIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === CLUSTER_IP_NONE) {
      if (ips.length > 1) {
        badIPs = true;
        errs.push(invalidGo('spec.clusterIPs', shown, "'None' must be the first and only value"));
      }
      return;
    }
    const e = validIP(`spec.clusterIPs[${i}]`, ip);
    badIPs ||= e.length > 0;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(invalidGo('spec.clusterIPs', shown, 'may only hold up to 2 values'));
  if (badIPs) return errs;
  if (ips.length > 1 && new Set(ips.map(ipFamilyOf)).size !== ips.length)
    errs.push(invalidGo('spec.clusterIPs', shown, 'may specify no more than one IP for each IP family'));
  if (!isHeadless(spec))
    ips.forEach((ip, i) => {
      const want = spec.ipFamilies?.[i];
      if (want && want !== ipFamilyOf(ip) && (want === 'IPv4' || want === 'IPv6'))
        errs.push(field.invalid(`spec.clusterIPs[${i}]`, ip, `expected an ${want} value as indicated by \`ipFamilies[${i}]\``));
    });
  return errs;
}

function validateTypeSpecific(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  if ((spec.type === 'LoadBalancer' || spec.type === 'NodePort') && isHeadless(spec))
    errs.push(field.invalid('spec.clusterIPs[0]', CLUSTER_IP_NONE, `may not be set to 'None' for ${spec.type} services`));
  if (spec.type === 'ExternalName') {
    const notHere = 'may not be set for ExternalName services';
    if (spec.clusterIPs?.length) errs.push(field.forbidden('spec.clusterIPs', notHere));
    if (spec.ipFamilies?.length) errs.push(field.forbidden('spec.ipFamilies', notHere));
    if (spec.ipFamilyPolicy !== undefined) errs.push(field.forbidden('spec.ipFamilyPolicy', notHere));
    // A trailing dot marks the name fully qualified.
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    if (cname) errs.push(...invalidEach('spec.externalName', cname, isDNS1123Subdomain(cname)));
    else errs.push(field.required('spec.externalName'));
  }
  return errs;
}

function validateLoadBalancerFields(spec: ServiceSpec, old: ServiceSpec | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const isLB = spec.type === 'LoadBalancer';
  if (spec.loadBalancerSourceRanges?.length) {
    const path = 'spec.LoadBalancerSourceRanges';
    if (!isLB) errs.push(field.forbidden(path, LB_ONLY));
    spec.loadBalancerSourceRanges.forEach((r, i) => {
      const v = r.trim();
      if (!isValidCIDR(v))
        errs.push(field.invalid(`${path}[${i}]`, v, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    });
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && !isLB)
    errs.push(field.forbidden('spec.allocateLoadBalancerNodePorts', LB_ONLY));
  if (isLB && spec.allocateLoadBalancerNodePorts === undefined) errs.push(field.required('allocateLoadBalancerNodePorts'));
  if (old?.type === 'LoadBalancer' && isLB && (old.loadBalancerClass ?? null) !== (spec.loadBalancerClass ?? null))
    errs.push(field.invalid('spec.loadBalancerClass', spec.loadBalancerClass ?? null, 'may not change once set'));
  if (spec.loadBalancerClass !== undefined) {
    if (isLB)
      errs.push(...invalidEach('spec.loadBalancerClass', spec.loadBalancerClass, isQualifiedName(spec.loadBalancerClass)));
    else errs.push(field.forbidden('spec.loadBalancerClass', LB_ONLY));
  }
  return errs;
}

function validateTrafficPolicies(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  const etp = spec.externalTrafficPolicy;
  if (!externallyAccessible(spec)) {
    if (etp) errs.push(field.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) errs.push(field.required('spec.externalTrafficPolicy'));
  else if (etp !== 'Cluster' && etp !== 'Local')
    errs.push(field.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  const hc = spec.healthCheckNodePort ?? 0;
  if (!needsHealthCheckNodePort(spec)) {
    if (hc !== 0)
      errs.push(
        field.invalid(
          'spec.healthCheckNodePort',
          hc,
          "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ),
      );
  } else if (hc !== 0) errs.push(...portNumErrors(hc).map((m) => field.invalid('spec.healthCheckNodePort', hc, m)));
  const itp = spec.internalTrafficPolicy;
  // Defaulting gives it to these types only, so only they must have it.
  if (itp === undefined && ['ClusterIP', 'NodePort', 'LoadBalancer'].includes(spec.type ?? ''))
    errs.push(field.required('spec.internalTrafficPolicy'));
  if (itp !== undefined && itp !== 'Cluster' && itp !== 'Local')
    errs.push(field.notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== 'PreferClose')
    errs.push(field.notSupported('spec.trafficDistribution', spec.trafficDistribution, ['PreferClose']));
  return errs;
}

function validateSpec(svc: Service, old: ServiceSpec | undefined): FieldError[] {
  const spec = svc.spec;
  const errs: FieldError[] = [];
  const annotations = svc.metadata.annotations ?? {};
  if (TOPOLOGY_MODE in annotations && TOPOLOGY_HINTS in annotations && annotations[TOPOLOGY_MODE] !== annotations[TOPOLOGY_HINTS])
    errs.push(
      field.invalid(
        `metadata.annotations[${TOPOLOGY_MODE}]`,
        annotations[TOPOLOGY_MODE],
        `must match annotations[${TOPOLOGY_HINTS}] when both are specified`,
      ),
    );
  if (!spec.ports?.length && !isHeadless(spec) && spec.type !== 'ExternalName') errs.push(field.required('spec.ports'));
  errs.push(...validateTypeSpecific(spec));
  errs.push(...validatePorts(spec));
  if (spec.selector) errs.push(...validateLabels(spec.selector, 'spec.selector'));
  errs.push(...validateSessionAffinity(spec));
  errs.push(...validateClusterIPs(spec));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    const path = `spec.externalIPs[${i}]`;
    const e = validIP(path, ip);
    errs.push(...(e.length ? e : nonSpecialIP(path, ip)));
  });
  if (!spec.type) errs.push(field.required('spec.type'));
  else if (!SERVICE_TYPES.some((t) => t === spec.type))
    errs.push(field.notSupported('spec.type', spec.type, [...SERVICE_TYPES].sort()));
  errs.push(...validateLoadBalancerFields(spec, old));
  errs.push(...validateTrafficPolicies(spec));
  return errs;
}

/** Cluster IPs and IP families may not change, except to or from ExternalName or headless. */
function validateClusterIPsUpdate(spec: ServiceSpec, old: ServiceSpec): FieldError[] {
  if (spec.type === 'ExternalName' || old.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ips = spec.clusterIPs ?? [];
  const oldIPs = old.clusterIPs ?? [];
  const shown = goSlice(spec.clusterIPs);
  if (!(isHeadless(spec) && isHeadless(old))) {
    if (oldIPs.length === ips.length) {
      oldIPs.forEach((ip, i) => {
        if (ip !== ips[i]) errs.push(invalidGo(`spec.clusterIPs[${i}]`, shown, 'may not change once set'));
      });
    } else if (oldIPs.length > ips.length) {
      if (ips.length === 0) errs.push(invalidGo('spec.clusterIPs[0]', shown, 'primary clusterIP can not be unset'));
      else if (ips[0] !== oldIPs[0]) errs.push(invalidGo('spec.clusterIPs[0]', shown, 'may not change once set'));
    } else if (oldIPs.length > 0 && ips[0] !== oldIPs[0]) {
      errs.push(invalidGo('spec.clusterIPs[0]', shown, 'may not change once set'));
    }
  }
  const fams = spec.ipFamilies ?? [];
  const oldFams = old.ipFamilies ?? [];
  if (isHeadless(spec) || isHeadless(old)) return errs;
  const famShown = goSlice(spec.ipFamilies, 'core.IPFamily');
  if (oldFams.length === fams.length) {
    if (oldFams.some((f, i) => f !== fams[i]))
      errs.push(invalidGo('spec.ipFamilies[0]', famShown, 'may not change once set'));
  } else if (oldFams.length > fams.length) {
    if (ips.length === 0) errs.push(invalidGo('spec.ipFamilies[0]', famShown, 'primary ipFamily can not be unset'));
    if (fams.length > 0 && fams[0] !== oldFams[0])
      errs.push(invalidGo('spec.ipFamilies[0]', shown, 'may not change once set'));
  } else if (oldFams.length > 0 && fams[0] !== oldFams[0]) {
    errs.push(invalidGo('spec.ipFamilies[0]', shown, 'may not change once set'));
  }
  return errs;
}

export function validateService(svc: Service, old?: Service): FieldError[] {
  const errs = validateMeta(svc, old, { namespaced: true, validateName: isDNS1035Label });
  if (!old) return [...errs, ...validateSpec(svc, undefined)];
  errs.push(...validateClusterIPsUpdate(svc.spec, old.spec));
  if (
    needsHealthCheckNodePort(old.spec) &&
    needsHealthCheckNodePort(svc.spec) &&
    (svc.spec.healthCheckNodePort ?? 0) !== (old.spec.healthCheckNodePort ?? 0)
  )
    errs.push(field.forbidden('spec.healthCheckNodePort', 'field is immutable'));
  errs.push(...validateSpec(svc, old.spec));
  return errs;
}
