// k8s.io/api/core/v1: Namespace, Service, Endpoints, Pod (+Binding), Node, Event,
// ComponentStatus and the types they use. Field numbers, list types and patch strategies are
// those of generated.proto and the Go struct tags. Scheduling, security and most volume
// sources are accepted as `any`.

import {
  any,
  atomicList,
  bool,
  f,
  inline,
  inPackage,
  int32,
  int64,
  intOrString,
  mapList,
  mapOf,
  microTime,
  ptr,
  quantity,
  setList,
  str,
  time,
} from './dsl.js';
import { conditionList, ObjectMeta } from './meta.js';

const core = inPackage('io.k8s.api.core.v1');

// References.

export const ObjectReference = core(
  'ObjectReference',
  {
    kind: f(1, str),
    namespace: f(2, str),
    name: f(3, str),
    uid: f(4, str),
    apiVersion: f(5, str),
    resourceVersion: f(6, str),
    fieldPath: f(7, str),
  },
  true,
);

export const LocalObjectReference = core('LocalObjectReference', { name: f(1, str) }, true);

// Namespace.

const NamespaceCondition = core('NamespaceCondition', {
  type: f(1, str),
  status: f(2, str),
  lastTransitionTime: f(4, time),
  reason: f(5, str),
  message: f(6, str),
});

export const Namespace = core('Namespace', {
  metadata: f(1, ObjectMeta),
  spec: f(2, core('NamespaceSpec', { finalizers: f(1, atomicList(str)) })),
  status: f(
    3,
    core('NamespaceStatus', {
      phase: f(1, str),
      conditions: f(2, mapList(NamespaceCondition, ['type'], 'type')),
    }),
  ),
});

// Service.

export const ServicePort = core('ServicePort', {
  name: f(1, str),
  protocol: f(2, str, { default: 'TCP' }),
  appProtocol: ptr(6, str),
  port: f(3, int32),
  targetPort: f(4, intOrString),
  nodePort: f(5, int32),
});

const PortStatus = core('PortStatus', {
  port: f(1, int32),
  protocol: f(2, str),
  error: ptr(3, str),
});

const LoadBalancerIngress = core('LoadBalancerIngress', {
  ip: f(1, str),
  hostname: f(2, str),
  ipMode: ptr(3, str),
  ports: f(4, atomicList(PortStatus)),
});

export const LoadBalancerStatus = core('LoadBalancerStatus', {
  ingress: f(1, atomicList(LoadBalancerIngress)),
});

const SessionAffinityConfig = core('SessionAffinityConfig', {
  clientIP: f(1, core('ClientIPConfig', { timeoutSeconds: ptr(1, int32) })),
});

export const ServiceSpec = core('ServiceSpec', {
  ports: f(1, mapList(ServicePort, ['port', 'protocol'], 'port')),
  selector: f(2, mapOf(str)),
  clusterIP: f(3, str),
  clusterIPs: f(18, atomicList(str)),
  type: f(4, str),
  externalIPs: f(5, atomicList(str)),
  sessionAffinity: f(7, str),
  loadBalancerIP: f(8, str),
  loadBalancerSourceRanges: f(9, atomicList(str)),
  externalName: f(10, str),
  externalTrafficPolicy: f(11, str),
  healthCheckNodePort: f(12, int32),
  publishNotReadyAddresses: f(13, bool),
  sessionAffinityConfig: f(14, SessionAffinityConfig),
  ipFamilies: f(19, atomicList(str)),
  ipFamilyPolicy: ptr(17, str),
  allocateLoadBalancerNodePorts: ptr(20, bool),
  loadBalancerClass: ptr(21, str),
  internalTrafficPolicy: ptr(22, str),
  trafficDistribution: ptr(23, str),
});

export const Service = core('Service', {
  metadata: f(1, ObjectMeta),
  spec: f(2, ServiceSpec),
  status: f(
    3,
    core('ServiceStatus', {
      loadBalancer: f(1, LoadBalancerStatus),
      conditions: f(2, conditionList),
    }),
  ),
});

// Endpoints.

const EndpointAddress = core(
  'EndpointAddress',
  {
    ip: f(1, str),
    hostname: f(3, str),
    nodeName: ptr(4, str),
    targetRef: f(2, ObjectReference),
  },
  true,
);

const EndpointPort = core(
  'EndpointPort',
  {
    name: f(1, str),
    port: f(2, int32),
    protocol: f(3, str),
    appProtocol: ptr(4, str),
  },
  true,
);

const EndpointSubset = core('EndpointSubset', {
  addresses: f(1, atomicList(EndpointAddress)),
  notReadyAddresses: f(2, atomicList(EndpointAddress)),
  ports: f(3, atomicList(EndpointPort)),
});

export const Endpoints = core('Endpoints', {
  metadata: f(1, ObjectMeta),
  subsets: f(2, atomicList(EndpointSubset)),
});

// Containers.

export const ContainerPort = core('ContainerPort', {
  name: f(1, str),
  hostPort: f(2, int32),
  containerPort: f(3, int32),
  protocol: f(4, str, { default: 'TCP' }),
  hostIP: f(5, str),
});

const ObjectFieldSelector = core(
  'ObjectFieldSelector',
  { apiVersion: f(1, str), fieldPath: f(2, str) },
  true,
);

const ResourceFieldSelector = core(
  'ResourceFieldSelector',
  { containerName: f(1, str), resource: f(2, str), divisor: f(3, quantity) },
  true,
);

const ConfigMapKeySelector = core(
  'ConfigMapKeySelector',
  { localObjectReference: inline(1, LocalObjectReference), key: f(2, str), optional: ptr(3, bool) },
  true,
);

const SecretKeySelector = core(
  'SecretKeySelector',
  { localObjectReference: inline(1, LocalObjectReference), key: f(2, str), optional: ptr(3, bool) },
  true,
);

const EnvVarSource = core('EnvVarSource', {
  fieldRef: f(1, ObjectFieldSelector),
  resourceFieldRef: f(2, ResourceFieldSelector),
  configMapKeyRef: f(3, ConfigMapKeySelector),
  secretKeyRef: f(4, SecretKeySelector),
  fileKeyRef: f(5, any),
});

export const EnvVar = core('EnvVar', {
  name: f(1, str),
  value: f(2, str),
  valueFrom: f(3, EnvVarSource),
});

const EnvFromSource = core('EnvFromSource', {
  prefix: f(1, str),
  configMapRef: f(
    2,
    core('ConfigMapEnvSource', { localObjectReference: inline(1, LocalObjectReference), optional: ptr(2, bool) }),
  ),
  secretRef: f(
    3,
    core('SecretEnvSource', { localObjectReference: inline(1, LocalObjectReference), optional: ptr(2, bool) }),
  ),
});

const ResourceClaim = core('ResourceClaim', { name: f(1, str), request: f(2, str) });

export const ResourceRequirements = core('ResourceRequirements', {
  limits: f(1, mapOf(quantity)),
  requests: f(2, mapOf(quantity)),
  claims: f(3, mapList(ResourceClaim, ['name'])),
});

export const VolumeMount = core('VolumeMount', {
  name: f(1, str),
  readOnly: f(2, bool),
  recursiveReadOnly: ptr(7, str),
  mountPath: f(3, str),
  subPath: f(4, str),
  mountPropagation: ptr(5, str),
  subPathExpr: f(6, str),
});

const ExecAction = core('ExecAction', { command: f(1, atomicList(str)) });

const HTTPGetAction = core('HTTPGetAction', {
  path: f(1, str),
  port: f(2, intOrString),
  host: f(3, str),
  scheme: f(4, str),
  httpHeaders: f(5, atomicList(core('HTTPHeader', { name: f(1, str), value: f(2, str) }))),
});

const TCPSocketAction = core('TCPSocketAction', { port: f(1, intOrString), host: f(2, str) });

const GRPCAction = core('GRPCAction', { port: f(1, int32), service: ptr(2, str) });

const ProbeHandler = core('ProbeHandler', {
  exec: f(1, ExecAction),
  httpGet: f(2, HTTPGetAction),
  tcpSocket: f(3, TCPSocketAction),
  grpc: f(4, GRPCAction),
});

export const Probe = core('Probe', {
  handler: inline(1, ProbeHandler),
  initialDelaySeconds: f(2, int32),
  timeoutSeconds: f(3, int32),
  periodSeconds: f(4, int32),
  successThreshold: f(5, int32),
  failureThreshold: f(6, int32),
  terminationGracePeriodSeconds: ptr(7, int64),
});

/** Every field of Container (and EphemeralContainerCommon), so that no valid manifest is
 *  rejected as having unknown fields. */
const containerFields = {
  name: f(1, str),
  image: f(2, str),
  command: f(3, atomicList(str)),
  args: f(4, atomicList(str)),
  workingDir: f(5, str),
  ports: f(6, mapList(ContainerPort, ['containerPort', 'protocol'], 'containerPort')),
  envFrom: f(19, atomicList(EnvFromSource)),
  env: f(7, mapList(EnvVar, ['name'], 'name')),
  resources: f(8, ResourceRequirements),
  resizePolicy: f(23, atomicList(any)),
  restartPolicy: ptr(24, str),
  restartPolicyRules: f(25, atomicList(any)),
  volumeMounts: f(9, mapList(VolumeMount, ['mountPath'], 'mountPath')),
  volumeDevices: f(21, mapList(any, ['devicePath'], 'devicePath')),
  livenessProbe: f(10, Probe),
  readinessProbe: f(11, Probe),
  startupProbe: f(22, Probe),
  lifecycle: f(12, any),
  terminationMessagePath: f(13, str),
  terminationMessagePolicy: f(20, str),
  imagePullPolicy: f(14, str),
  securityContext: f(15, any),
  stdin: f(16, bool),
  stdinOnce: f(17, bool),
  tty: f(18, bool),
};

export const Container = core('Container', containerFields);

const EphemeralContainer = core('EphemeralContainer', {
  ephemeralContainerCommon: inline(1, core('EphemeralContainerCommon', containerFields)),
  targetContainerName: f(2, str),
});

// Volumes.

const KeyToPath = core('KeyToPath', { key: f(1, str), path: f(2, str), mode: ptr(3, int32) });

const VolumeSource = core('VolumeSource', {
  hostPath: f(1, core('HostPathVolumeSource', { path: f(1, str), type: ptr(2, str) })),
  emptyDir: f(2, core('EmptyDirVolumeSource', { medium: f(1, str), sizeLimit: ptr(2, quantity) })),
  gcePersistentDisk: f(3, any),
  awsElasticBlockStore: f(4, any),
  gitRepo: f(5, any),
  secret: f(
    6,
    core('SecretVolumeSource', {
      secretName: f(1, str),
      items: f(2, atomicList(KeyToPath)),
      defaultMode: ptr(3, int32),
      optional: ptr(4, bool),
    }),
  ),
  nfs: f(7, any),
  iscsi: f(8, any),
  glusterfs: f(9, any),
  persistentVolumeClaim: f(
    10,
    core('PersistentVolumeClaimVolumeSource', { claimName: f(1, str), readOnly: f(2, bool) }),
  ),
  rbd: f(11, any),
  flexVolume: f(12, any),
  cinder: f(13, any),
  cephfs: f(14, any),
  flocker: f(15, any),
  downwardAPI: f(16, any),
  fc: f(17, any),
  azureFile: f(18, any),
  configMap: f(
    19,
    core('ConfigMapVolumeSource', {
      localObjectReference: inline(1, LocalObjectReference),
      items: f(2, atomicList(KeyToPath)),
      defaultMode: ptr(3, int32),
      optional: ptr(4, bool),
    }),
  ),
  vsphereVolume: f(20, any),
  quobyte: f(21, any),
  azureDisk: f(22, any),
  photonPersistentDisk: f(23, any),
  projected: f(26, any),
  portworxVolume: f(24, any),
  scaleIO: f(25, any),
  storageos: f(27, any),
  csi: f(28, any),
  ephemeral: f(29, any),
  image: f(30, any),
});

export const Volume = core('Volume', { name: f(1, str), volumeSource: inline(2, VolumeSource) });

// Pod.

const HostAlias = core('HostAlias', { ip: f(1, str), hostnames: f(2, atomicList(str)) });

const Toleration = core('Toleration', {
  key: f(1, str),
  operator: f(2, str),
  value: f(3, str),
  effect: f(4, str),
  tolerationSeconds: ptr(5, int64),
});

const PodDNSConfig = core('PodDNSConfig', {
  nameservers: f(1, atomicList(str)),
  searches: f(2, atomicList(str)),
  options: f(3, atomicList(core('PodDNSConfigOption', { name: f(1, str), value: ptr(2, str) }))),
});

export const PodSpec = core('PodSpec', {
  volumes: f(1, mapList(Volume, ['name'], 'name', 'merge,retainKeys')),
  initContainers: f(20, mapList(Container, ['name'], 'name')),
  containers: f(2, mapList(Container, ['name'], 'name')),
  ephemeralContainers: f(34, mapList(EphemeralContainer, ['name'], 'name')),
  restartPolicy: f(3, str),
  terminationGracePeriodSeconds: ptr(4, int64),
  activeDeadlineSeconds: ptr(5, int64),
  dnsPolicy: f(6, str),
  nodeSelector: f(7, mapOf(str)),
  serviceAccountName: f(8, str),
  serviceAccount: f(9, str),
  automountServiceAccountToken: ptr(21, bool),
  nodeName: f(10, str),
  hostNetwork: f(11, bool),
  hostPID: f(12, bool),
  hostIPC: f(13, bool),
  shareProcessNamespace: ptr(27, bool),
  securityContext: f(14, any),
  imagePullSecrets: f(15, mapList(LocalObjectReference, ['name'], 'name')),
  hostname: f(16, str),
  subdomain: f(17, str),
  affinity: f(18, any),
  schedulerName: f(19, str),
  tolerations: f(22, atomicList(Toleration)),
  hostAliases: f(23, mapList(HostAlias, ['ip'], 'ip')),
  priorityClassName: f(24, str),
  priority: ptr(25, int32),
  dnsConfig: f(26, PodDNSConfig),
  readinessGates: f(28, atomicList(core('PodReadinessGate', { conditionType: f(1, str) }))),
  runtimeClassName: ptr(29, str),
  enableServiceLinks: ptr(30, bool),
  preemptionPolicy: ptr(31, str),
  overhead: f(32, mapOf(quantity)),
  topologySpreadConstraints: f(33, mapList(any, ['topologyKey', 'whenUnsatisfiable'], 'topologyKey')),
  setHostnameAsFQDN: ptr(35, bool),
  os: f(36, core('PodOS', { name: f(1, str) })),
  hostUsers: ptr(37, bool),
  schedulingGates: f(38, mapList(core('PodSchedulingGate', { name: f(1, str) }), ['name'], 'name')),
  resourceClaims: f(39, mapList(any, ['name'], 'name', 'merge,retainKeys')),
  resources: f(40, ResourceRequirements),
  hostnameOverride: ptr(41, str),
  workloadRef: f(42, any),
});

export const PodTemplateSpec = core('PodTemplateSpec', {
  metadata: f(1, ObjectMeta),
  spec: f(2, PodSpec),
});

const PodCondition = core('PodCondition', {
  type: f(1, str),
  observedGeneration: f(7, int64),
  status: f(2, str),
  lastProbeTime: f(3, time),
  lastTransitionTime: f(4, time),
  reason: f(5, str),
  message: f(6, str),
});

const ContainerState = core('ContainerState', {
  waiting: f(1, core('ContainerStateWaiting', { reason: f(1, str), message: f(2, str) })),
  running: f(2, core('ContainerStateRunning', { startedAt: f(1, time) })),
  terminated: f(
    3,
    core('ContainerStateTerminated', {
      exitCode: f(1, int32),
      signal: f(2, int32),
      reason: f(3, str),
      message: f(4, str),
      startedAt: f(5, time),
      finishedAt: f(6, time),
      containerID: f(7, str),
    }),
  ),
});

export const ContainerStatus = core('ContainerStatus', {
  name: f(1, str),
  state: f(2, ContainerState),
  lastState: f(3, ContainerState),
  ready: f(4, bool),
  restartCount: f(5, int32),
  image: f(6, str),
  imageID: f(7, str),
  containerID: f(8, str),
  started: ptr(9, bool),
  allocatedResources: f(10, mapOf(quantity)),
  resources: f(11, ResourceRequirements),
  volumeMounts: f(12, mapList(any, ['mountPath'], 'mountPath')),
  user: f(13, any),
  allocatedResourcesStatus: f(14, mapList(any, ['name'], 'name')),
  stopSignal: ptr(15, str),
});

const PodIP = core('PodIP', { ip: f(1, str) });
const HostIP = core('HostIP', { ip: f(1, str) });

export const PodStatus = core('PodStatus', {
  observedGeneration: f(17, int64),
  phase: f(1, str),
  conditions: f(2, mapList(PodCondition, ['type'], 'type')),
  message: f(3, str),
  reason: f(4, str),
  nominatedNodeName: f(11, str),
  hostIP: f(5, str),
  hostIPs: f(16, atomicList(HostIP, { patchStrategy: 'merge', patchMergeKey: 'ip' })),
  podIP: f(6, str),
  podIPs: f(12, mapList(PodIP, ['ip'], 'ip')),
  startTime: ptr(7, time),
  initContainerStatuses: f(10, atomicList(ContainerStatus)),
  containerStatuses: f(8, atomicList(ContainerStatus)),
  qosClass: f(9, str),
  ephemeralContainerStatuses: f(13, atomicList(ContainerStatus)),
  resize: f(14, str),
  resourceClaimStatuses: f(15, mapList(any, ['name'], 'name', 'merge,retainKeys')),
  extendedResourceClaimStatus: f(18, any),
  allocatedResources: f(19, mapOf(quantity)),
  resources: f(20, ResourceRequirements),
});

export const Pod = core('Pod', {
  metadata: f(1, ObjectMeta),
  spec: f(2, PodSpec),
  status: f(3, PodStatus),
});

export const Binding = core('Binding', {
  metadata: f(1, ObjectMeta),
  target: f(2, ObjectReference),
});

// Node.

const NodeCondition = core('NodeCondition', {
  type: f(1, str),
  status: f(2, str),
  lastHeartbeatTime: f(3, time),
  lastTransitionTime: f(4, time),
  reason: f(5, str),
  message: f(6, str),
});

const NodeAddress = core('NodeAddress', { type: f(1, str), address: f(2, str) });

const Taint = core('Taint', {
  key: f(1, str),
  value: f(2, str),
  effect: f(3, str),
  timeAdded: ptr(4, time),
});

const NodeSystemInfo = core('NodeSystemInfo', {
  machineID: f(1, str),
  systemUUID: f(2, str),
  bootID: f(3, str),
  kernelVersion: f(4, str),
  osImage: f(5, str),
  containerRuntimeVersion: f(6, str),
  kubeletVersion: f(7, str),
  kubeProxyVersion: f(8, str),
  operatingSystem: f(9, str),
  architecture: f(10, str),
  swap: f(11, core('NodeSwapStatus', { capacity: ptr(1, int64) })),
});

const NodeRuntimeHandler = core('NodeRuntimeHandler', {
  name: f(1, str),
  features: f(
    2,
    core('NodeRuntimeHandlerFeatures', { recursiveReadOnlyMounts: ptr(1, bool), userNamespaces: ptr(2, bool) }),
  ),
});

export const Node = core('Node', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    core('NodeSpec', {
      podCIDR: f(1, str),
      podCIDRs: f(7, setList(str, true)),
      providerID: f(3, str),
      unschedulable: f(4, bool),
      taints: f(5, atomicList(Taint)),
      configSource: f(6, any),
      externalID: f(2, str),
    }),
  ),
  status: f(
    3,
    core('NodeStatus', {
      capacity: f(1, mapOf(quantity)),
      allocatable: f(2, mapOf(quantity)),
      phase: f(3, str),
      conditions: f(4, mapList(NodeCondition, ['type'], 'type')),
      addresses: f(5, mapList(NodeAddress, ['type'], 'type')),
      daemonEndpoints: f(
        6,
        core('NodeDaemonEndpoints', { kubeletEndpoint: f(1, core('DaemonEndpoint', { Port: f(1, int32) })) }),
      ),
      nodeInfo: f(7, NodeSystemInfo),
      images: f(8, atomicList(core('ContainerImage', { names: f(1, atomicList(str)), sizeBytes: f(2, int64) }))),
      volumesInUse: f(9, atomicList(str)),
      volumesAttached: f(10, atomicList(core('AttachedVolume', { name: f(1, str), devicePath: f(2, str) }))),
      config: f(11, any),
      runtimeHandlers: f(12, atomicList(NodeRuntimeHandler)),
      features: f(
        13,
        core('NodeFeatures', { supplementalGroupsPolicy: ptr(1, bool), containerUlimits: ptr(2, bool) }),
      ),
      declaredFeatures: f(14, atomicList(str)),
    }),
  ),
});

// Event.

export const Event = core('Event', {
  metadata: f(1, ObjectMeta),
  involvedObject: f(2, ObjectReference),
  reason: f(3, str),
  message: f(4, str),
  source: f(5, core('EventSource', { component: f(1, str), host: f(2, str) })),
  firstTimestamp: f(6, time),
  lastTimestamp: f(7, time),
  count: f(8, int32),
  type: f(9, str),
  eventTime: f(10, microTime),
  series: f(11, core('EventSeries', { count: f(1, int32), lastObservedTime: f(2, microTime) })),
  action: f(12, str),
  related: f(13, ObjectReference),
  reportingComponent: f(14, str),
  reportingInstance: f(15, str),
});

// ComponentStatus.

const ComponentCondition = core('ComponentCondition', {
  type: f(1, str),
  status: f(2, str),
  message: f(3, str),
  error: f(4, str),
});

export const ComponentStatus = core('ComponentStatus', {
  metadata: f(1, ObjectMeta),
  conditions: f(2, mapList(ComponentCondition, ['type'], 'type')),
});
