// The pod spec shared by Pods and the pod templates of Deployments and ReplicaSets: its scheme
// defaults (pkg/apis/core/v1/defaults.go) and the validation rules Kubernetes enforces on it
// (pkg/apis/core/validation ValidatePodSpec), worded as Kubernetes words them.

import { field, type FieldError } from '../../util/status-errors.js';
import type { ObjectMeta } from '../types.js';
import { invalidEach, validateAnnotations, validateLabels } from '../validation/meta.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../../util/name-format.js';
import { isValidPortName, validatePortNumber } from '../validation/network.js';

export interface ContainerPort {
  name?: string;
  containerPort?: number;
  hostPort?: number;
  protocol?: string;
  hostIP?: string;
}

export interface Probe {
  httpGet?: { path?: string; port?: number | string; scheme?: string; host?: string };
  tcpSocket?: { port?: number | string };
  exec?: { command?: string[] };
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  initialDelaySeconds?: number;
}

export interface VolumeMount {
  name?: string;
  mountPath?: string;
  readOnly?: boolean;
  subPath?: string;
}

/** configMapKeyRef / secretKeyRef of an env var. */
export interface KeySelector {
  name?: string;
  key?: string;
  optional?: boolean;
}

export interface Container {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
  env?: {
    name?: string;
    value?: string;
    valueFrom?: { fieldRef?: { apiVersion?: string; fieldPath?: string }; configMapKeyRef?: KeySelector; secretKeyRef?: KeySelector };
  }[];
  volumeMounts?: VolumeMount[];
  envFrom?: { prefix?: string; configMapRef?: { name?: string; optional?: boolean }; secretRef?: { name?: string; optional?: boolean } }[];
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  imagePullPolicy?: string;
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  restartPolicy?: string;
  [key: string]: unknown;
}

/** A file of a configMap/secret volume: which key, at which relative path, with which mode. */
export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

export interface ConfigMapVolumeSource {
  name?: string;
  items?: KeyToPath[];
  defaultMode?: number;
  optional?: boolean;
}

export interface SecretVolumeSource {
  secretName?: string;
  items?: KeyToPath[];
  defaultMode?: number;
  optional?: boolean;
}

export interface VolumeProjection {
  configMap?: Omit<ConfigMapVolumeSource, 'defaultMode'>;
  secret?: Omit<ConfigMapVolumeSource, 'defaultMode'>;
  downwardAPI?: { items?: { path: string; fieldRef?: { apiVersion?: string; fieldPath?: string }; mode?: number }[] };
  serviceAccountToken?: { audience?: string; expirationSeconds?: number; path: string };
}

export interface Volume {
  name?: string;
  configMap?: ConfigMapVolumeSource;
  secret?: SecretVolumeSource;
  projected?: { sources?: VolumeProjection[]; defaultMode?: number };
  emptyDir?: { medium?: string; sizeLimit?: string };
  hostPath?: { path?: string; type?: string };
  persistentVolumeClaim?: { claimName?: string; readOnly?: boolean };
  [key: string]: unknown;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  restartPolicy?: string;
  dnsPolicy?: string;
  terminationGracePeriodSeconds?: number;
  schedulerName?: string;
  securityContext?: Record<string, unknown>;
  hostNetwork?: boolean;
  nodeName?: string;
  serviceAccountName?: string;
  serviceAccount?: string;
  enableServiceLinks?: boolean;
  tolerations?: { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }[];
  priority?: number;
  preemptionPolicy?: string;
  readinessGates?: { conditionType: string }[];
  [key: string]: unknown;
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];

/** The tag of an image reference; `latest` when it has neither tag nor digest. */
function imageTag(image: string): string {
  const [ref, digest] = image.split('@');
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  if (colon >= 0) return lastPart.slice(colon + 1);
  return digest ? '' : 'latest';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) {
    p.httpGet.path ||= '/';
    p.httpGet.scheme ||= 'HTTP';
  }
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  // A `latest` (or missing) tag moves, so it is pulled every time.
  c.imagePullPolicy ||= imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  for (const p of c.ports ?? []) {
    p.protocol ||= 'TCP';
    if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort;
  }
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ||= 'v1';
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

const SOURCE_KEYS_WITH_MODE = ['configMap', 'secret', 'projected'] as const;

function defaultVolume(v: Volume): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  // A volume with no source is scratch space.
  if (sources.length === 0) v.emptyDir = {};
  for (const k of SOURCE_KEYS_WITH_MODE) {
    const src = v[k];
    if (src) src.defaultMode ??= 0o644;
  }
}

/** SetDefaults_PodSpec and what it reaches (containers, ports, probes, volumes). */
export function defaultPodSpec(spec: PodSpec): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  spec.securityContext ??= {};
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) defaultContainer(c, spec.hostNetwork === true);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

function notSupported(path: string, value: string | undefined, valid: string[]): FieldError[] {
  if (!value) return [field.required(path)];
  return valid.includes(value) ? [] : [field.notSupported(path, value, valid)];
}

function validatePorts(ports: ContainerPort[] | undefined, path: string, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  (ports ?? []).forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (p.name) {
      errs.push(...invalidEach(`${at}.name`, p.name, isValidPortName(p.name)));
      if (names.has(p.name)) errs.push(field.duplicate(`${at}.name`, p.name));
      names.add(p.name);
    }
    if (!p.containerPort) errs.push(field.required(`${at}.containerPort`));
    else errs.push(...validatePortNumber(p.containerPort, `${at}.containerPort`));
    if (p.hostPort) errs.push(...validatePortNumber(p.hostPort, `${at}.hostPort`));
    errs.push(...notSupported(`${at}.protocol`, p.protocol, PROTOCOLS));
  });
  return errs;
}

function validateContainers(containers: Container[] | undefined, path: string, seen: Set<string>, portNames: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  (containers ?? []).forEach((c, i) => {
    const at = `${path}[${i}]`;
    if (!c.name) errs.push(field.required(`${at}.name`));
    else {
      errs.push(...invalidEach(`${at}.name`, c.name, isDNS1123Label(c.name)));
      if (seen.has(c.name)) errs.push(field.duplicate(`${at}.name`, c.name));
      seen.add(c.name);
    }
    if (!c.image) errs.push(field.required(`${at}.image`));
    else if (c.image.trim() !== c.image) errs.push(field.invalid(`${at}.image`, c.image, 'must not have leading or trailing whitespace'));
    errs.push(...notSupported(`${at}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
    errs.push(...notSupported(`${at}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
    errs.push(...validatePorts(c.ports, `${at}.ports`, portNames));
    (c.env ?? []).forEach((e, j) => {
      if (!e.name) errs.push(field.required(`${at}.env[${j}].name`));
    });
  });
  return errs;
}

function validateVolumes(volumes: Volume[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (volumes ?? []).forEach((v, i) => {
    const at = `${path}[${i}].name`;
    if (!v.name) errs.push(field.required(at));
    else {
      errs.push(...invalidEach(at, v.name, isDNS1123Label(v.name)));
      if (seen.has(v.name)) errs.push(field.duplicate(at, v.name));
      seen.add(v.name);
    }
  });
  return errs;
}

/** ValidatePodSpec's main rules. `path` is `spec` for pods, `spec.template.spec` for templates. */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  errs.push(...validateVolumes(s.volumes, `${path}.volumes`));
  // Container names are unique across init and app containers; so are port names.
  const names = new Set<string>();
  const portNames = new Set<string>();
  if (!s.containers?.length) errs.push(field.required(`${path}.containers`));
  errs.push(...validateContainers(s.containers, `${path}.containers`, names, portNames));
  errs.push(...validateContainers(s.initContainers, `${path}.initContainers`, names, new Set()));
  errs.push(...notSupported(`${path}.restartPolicy`, s.restartPolicy, RESTART_POLICIES));
  errs.push(...notSupported(`${path}.dnsPolicy`, s.dnsPolicy, DNS_POLICIES));
  if (s.terminationGracePeriodSeconds !== undefined && s.terminationGracePeriodSeconds < 0)
    errs.push(field.invalid(`${path}.terminationGracePeriodSeconds`, s.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  if (s.nodeName) errs.push(...invalidEach(`${path}.nodeName`, s.nodeName, isDNS1123Subdomain(s.nodeName)));
  return errs;
}

/** ValidatePodTemplateSpec for controllers: template labels and annotations, the spec, and
 *  restartPolicy Always (controllers replace pods; they do not rerun them). */
export function validatePodTemplate(t: PodTemplateSpec | undefined, path: string): FieldError[] {
  if (!t) return [field.required(path)];
  const errs: FieldError[] = [
    ...validateLabels(t.metadata?.labels, `${path}.metadata.labels`),
    ...validateAnnotations(t.metadata?.annotations, `${path}.metadata.annotations`),
    ...validatePodSpec(t.spec, `${path}.spec`),
  ];
  const policy = t.spec?.restartPolicy;
  if (policy && policy !== 'Always' && RESTART_POLICIES.includes(policy))
    errs.push(field.notSupported(`${path}.spec.restartPolicy`, policy, ['Always']));
  return errs;
}
