// A container's environment, as kubelet builds it (pkg/kubelet/kubelet_pods.go
// makeEnvironmentVariables, pkg/kubelet/envvars): the container's `env` with `$(VAR)` expansion
// and downward-API field references, ConfigMap and Secret keys (`envFrom` first, `env` over
// it), then the service variables, plus what tinykube adds for processes that run on the host
// (PATH, HOSTNAME, POD_IP, POD_NAME, POD_NAMESPACE).

import type { ConfigMap } from '../apis/core/configmaps.js';
import type { Container } from '../apis/core/pod-template.js';
import type { Secret } from '../apis/core/secrets.js';
import type { Pod } from '../apis/core/pods.js';
import { isHeadless, type Service } from '../apis/core/service/types.js';

/** The namespace and name of the service whose variables every pod gets (kubelet's master service). */
const MASTER_SERVICE = { namespace: 'default', name: 'kubernetes' };

/** `my-svc.x` → `MY_SVC_X`; a leading digit gets an underscore. */
export function envVarName(name: string): string {
  const upper = name.replace(/[.-]/g, '_').toUpperCase();
  return /^[0-9]/.test(upper) ? `_${upper}` : upper;
}

/** Docker-link style and `_SERVICE_` variables of one service (envvars.FromServices). */
export function serviceEnv(svc: Service): Record<string, string> {
  const ip = svc.spec.clusterIP;
  const ports = svc.spec.ports ?? [];
  if (!ip || ip === 'None' || !ports.length) return {};
  const prefix = envVarName(svc.metadata.name ?? '');
  const env: Record<string, string> = {
    [`${prefix}_SERVICE_HOST`]: ip,
    [`${prefix}_SERVICE_PORT`]: String(ports[0].port),
  };
  for (const p of ports) if (p.name) env[`${prefix}_SERVICE_PORT_${envVarName(p.name)}`] = String(p.port);
  const host = ip.includes(':') ? `[${ip}]` : ip;
  ports.forEach((p, i) => {
    const proto = p.protocol || 'TCP';
    const url = `${proto.toLowerCase()}://${host}:${p.port}`;
    if (i === 0) env[`${prefix}_PORT`] = url;
    const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    env[pp] = url;
    env[`${pp}_PROTO`] = proto.toLowerCase();
    env[`${pp}_PORT`] = String(p.port);
    env[`${pp}_ADDR`] = ip;
  });
  return env;
}

/** The services whose variables a pod gets: those of its namespace when service links are on,
 *  and always the master service (kubelet getServiceEnvVarMap). */
export function servicesForPod(pod: Pod, services: Service[]): Service[] {
  const ns = pod.metadata.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false;
  const byName = new Map<string, Service>();
  for (const s of services) {
    const name = s.metadata.name ?? '';
    if (isHeadless(s.spec) || !s.spec.clusterIP || s.spec.clusterIP === 'None') continue;
    if (s.metadata.namespace === MASTER_SERVICE.namespace && name === MASTER_SERVICE.name) {
      if (!byName.has(name)) byName.set(name, s);
    } else if (links && s.metadata.namespace === ns) {
      byName.set(name, s);
    }
  }
  return [...byName.values()];
}

/**
 * Expands `$(VAR)` from the mapping; `$$` is an escaped `$`; a reference to an undefined
 * variable stays as written (k8s.io/kubernetes third_party/forked/golang/expansion).
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      out += lookup(name) ?? `$(${name})`;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

/** A pod's and its node's addresses, one per family, primary first. */
export interface PodAddresses {
  podIPs: string[];
  hostIPs: string[];
}

/** The addresses a pod's status gives it (the plural fields, or the singular ones of an older
 *  writer). */
export function addressesOf(pod: Pod): PodAddresses {
  const s = pod.status;
  return {
    podIPs: s?.podIPs?.map((p) => p.ip) ?? (s?.podIP ? [s.podIP] : []),
    hostIPs: s?.hostIPs?.map((p) => p.ip) ?? (s?.hostIP ? [s.hostIP] : []),
  };
}

/** `metadata.labels['app']` → the label; the downward API fields allowed in env (the plural
 *  address fields comma-separated, as kubelet gives them). */
export function fieldRefValue(pod: Pod, fieldPath: string, ips: PodAddresses): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (m) return pod.metadata[m[1] as 'labels' | 'annotations']?.[m[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
      return ips.podIPs[0] ?? '';
    case 'status.podIPs':
      return ips.podIPs.join(',');
    case 'status.hostIP':
      return ips.hostIPs[0] ?? '';
    case 'status.hostIPs':
      return ips.hostIPs.join(',');
    default:
      return '';
  }
}

/** The pod's hostname: spec.hostname, else its name, cut to a DNS label. */
function podHostname(pod: Pod): string {
  const h = typeof pod.spec?.hostname === 'string' && pod.spec.hostname ? pod.spec.hostname : (pod.metadata.name ?? '');
  return h.slice(0, 63).replace(/[-.]+$/, '');
}

/** The ConfigMaps and Secrets a node can see (kubelet's configmap and secret managers). */
export interface ConfigSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
}

/** Why a container's config cannot be made: kubelet's CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

type KeySource = { kind: 'ConfigMap' | 'Secret'; name: string; optional?: boolean };

/** The string data of a ConfigMap or (decoded) Secret; undefined when it may be missing. */
function sourceData(src: KeySource, namespace: string, sources: ConfigSources): Record<string, string> | undefined {
  if (src.kind === 'ConfigMap') {
    const cm = sources.configMap(namespace, src.name);
    if (cm) return cm.data ?? {};
  } else {
    const secret = sources.secret(namespace, src.name);
    if (secret) return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  }
  if (src.optional) return undefined;
  throw new ContainerConfigError(`${src.kind.toLowerCase()} "${src.name}" not found`);
}

/** One key of a ConfigMap or Secret (env valueFrom); undefined when optional and missing. */
function keyValue(src: KeySource & { key: string }, namespace: string, sources: ConfigSources): string | undefined {
  const data = sourceData(src, namespace, sources);
  if (!data) return undefined;
  if (src.key in data) return data[src.key];
  if (src.optional) return undefined;
  throw new ContainerConfigError(`couldn't find key ${src.key} in ${src.kind} ${namespace}/${src.name}`);
}

/** `envFrom`: every key, with the prefix; keys that are not variable names are skipped and
 *  reported as kubelet's InvalidEnvironmentVariableNames event says. */
function envFromVars(container: Container, namespace: string, sources: ConfigSources, warnings: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref?.name) continue;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const data = sourceData({ kind, name: ref.name, optional: ref.optional }, namespace, sources);
    const invalid: string[] = [];
    for (const [k, v] of Object.entries(data ?? {})) {
      const name = (from.prefix ?? '') + k;
      if (ENV_VAR_NAME.test(name)) vars[name] = v;
      else invalid.push(name);
    }
    if (invalid.length)
      warnings.push(
        `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${kind.toLowerCase()} ${namespace}/${ref.name} were skipped since they are considered invalid environment variable names.`,
      );
  }
  return vars;
}

/** The whole environment of a container process. `services` may hold every namespace's.
 *  Throws ContainerConfigError for a missing ConfigMap, Secret or key that is not optional;
 *  `warnings` collects what kubelet reports as events. The image's ENV is the layer below, as a
 *  runtime merges it: the pod's variables win, and the runtime sets HOSTNAME itself. */
export function containerEnv(
  pod: Pod,
  container: Container,
  services: Service[],
  ips: PodAddresses,
  sources: ConfigSources,
  warnings: string[] = [],
  imageEnv: Record<string, string> = {},
): Record<string, string> {
  const serviceVars: Record<string, string> = {};
  for (const s of servicesForPod(pod, services)) Object.assign(serviceVars, serviceEnv(s));
  const namespace = pod.metadata.namespace ?? 'default';
  // Declared variables see the ones declared before them and the service variables.
  const declared: Record<string, string> = envFromVars(container, namespace, sources, warnings);
  for (const e of container.env ?? []) {
    if (!e.name) continue;
    const lookup = (n: string): string | undefined => (n in declared ? declared[n] : serviceVars[n]);
    const from = e.valueFrom;
    if (e.value !== undefined) declared[e.name] = expand(e.value, lookup);
    else if (from?.fieldRef?.fieldPath) declared[e.name] = fieldRefValue(pod, from.fieldRef.fieldPath, ips);
    else if (from?.configMapKeyRef || from?.secretKeyRef) {
      const ref = (from.configMapKeyRef ?? from.secretKeyRef)!;
      const value = keyValue({ kind: from.configMapKeyRef ? 'ConfigMap' : 'Secret', name: ref.name ?? '', key: ref.key ?? '', optional: ref.optional }, namespace, sources);
      if (value !== undefined) declared[e.name] = value;
    } else declared[e.name] = '';
  }
  return {
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ...imageEnv,
    HOSTNAME: podHostname(pod),
    POD_IP: ips.podIPs[0] ?? '',
    POD_NAME: pod.metadata.name ?? '',
    POD_NAMESPACE: pod.metadata.namespace ?? 'default',
    ...serviceVars,
    ...declared,
  };
}
