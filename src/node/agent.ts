// The node agent (kubelet for the loopback runtime): registers this Node and keeps it alive,
// watches the pods bound to it, gives each an IP from the node's podCIDR and runs it with a
// PodWorker; statuses go back through the status subresource. stop() stops every pod process
// and waits for all of them: nothing keeps running or listening. A new start picks the pods
// up again from the API, with their IPs and restart counts.

import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Pod } from '../apis/core/pods.js';
import type { Service } from '../apis/core/service/types.js';
import { R, type Client } from '../client/client.js';
import { EventRecorder, KUBELET_EVENT_LIMIT } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { RestartBackoff } from './backoff.js';
import { realClock, type Clock, type Timer } from '../util/clock.js';
import { addressesOf, containerEnv } from './env.js';
import { cachedSources, referencedNames } from './config-sources.js';
import { ReferencedObjects } from './referenced-objects.js';
import { PodVolumes } from './volumes/pod-volumes.js';
import { PodTokens } from './volumes/service-account-tokens.js';
import type { PayloadContext } from './volumes/payload.js';
import type { KubeObject } from '../apis/types.js';
import { containerMountDir, hostedCpuPath, saveMainPid, saveMountNsPid, saveStarted } from './started-env.js';
import { clearMountNs } from './mount-holder.js';
import { withMounts } from './runtime/mount-script.js';
import { containerMounts } from './volumes/container-mounts.js';

import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { ConfigMap } from '../apis/core/configmaps.js';
import type { Secret } from '../apis/core/secrets.js';
import { imageHostArgv, resolveContainer } from './images/resolve.js';
import { logPath, podDir } from './logs.js';
import { NodeHeartbeat } from './node-heartbeat.js';
import { readHostFacts } from './node-object.js';
import { PodIPAllocator } from './pod-ips.js';
import { PodWorker, type PodWorkerDeps } from './pod-worker.js';
import { hostNetwork, inNetns, type PodNetwork } from './pod-placement.js';
import { hostTool } from './runtime/host-tool.js';
import { checkExecutable } from './runtime/executable.js';
import { runProbe, type ProbeRunner } from './probes/run-probe.js';
import { ledgeredRunner, nodeLedger } from './runtime/process-ledger.js';
import { hostProcessRunner, type ProcessRunner } from './runtime/process-runner.js';
import { HostedRunner } from './runtime/hosted-runner.js';
import { StatusWriter } from './status-writer.js';

export interface NodeAgentOptions {
  client: Client;
  log: Logger;
  nodeName: string;
  dataDir: string;
  /** One per family, primary first: e.g. [127.244.0.0/16], or [10.244.1.0/24, fd00:10:244:1::/64]. */
  podCIDRs: string[];
  /** One per family, primary first: e.g. [127.0.0.1]. */
  nodeIPs: string[];
  clock?: Clock;
  /** How long stop() lets pod processes exit after SIGTERM before SIGKILL. */
  shutdownGraceMs?: number;
  /** Effects, replaceable in tests. */
  runner?: ProcessRunner;
  probe?: ProbeRunner;
  /** Pods' network (netns sandboxes); default: the host's (loopback). */
  network?: PodNetwork;
  /** kubelet's nodeLeaseDurationSeconds (default 40). */
  nodeLeaseDurationSeconds?: number;
  /** Recorded in the Node's status.daemonEndpoints (default 10250). */
  kubeletPort?: number;
  /** A tmpfs private to this agent for secret and projected volumes (volumes/memory-dir.ts). */
  memoryDir?: string;
}

export interface NodeAgent {
  stop(): Promise<void>;
}

const DEFAULT_SHUTDOWN_GRACE_MS = 2_000;
/** After a failed sandbox set-up, the pod is tried again this much later (kubelet's next sync). */
const SANDBOX_RETRY_MS = 2_000;
/** How often tokens are looked at for renewal (each is renewed at 80% of its life). */
const TOKEN_RENEW_CHECK_MS = 60_000;
/** After a FailedMount, the volumes are tried again this much later. */
const VOLUME_RETRY_MS = 2_000;
/** The longest an Event waits for the pod status writes to go first. */
const EVENT_HOLD_MS = 10_000;

const terminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export async function startNodeAgent(opts: NodeAgentOptions): Promise<NodeAgent> {
  const { client, nodeName, dataDir } = opts;
  const log = opts.log.child({ component: 'node', node: nodeName });
  const clock = opts.clock ?? realClock;
  const fieldSelector = `spec.nodeName=${nodeName}`;
  // What an agent that died without stopping its pods left running goes first.
  const ledger = nodeLedger(dataDir);
  const leftovers = ledger.killLeftovers();
  if (leftovers.length) log.warn({ pids: leftovers }, 'killed pod processes left by an earlier run');
  const nodeIP = opts.nodeIPs[0]!;
  const ips = new PodIPAllocator(opts.podCIDRs);
  const heartbeat = new NodeHeartbeat(client, { nodeName, nodeIPs: opts.nodeIPs, podCIDRs: opts.podCIDRs, host: readHostFacts(), kubeletPort: opts.kubeletPort }, clock, log, opts.nodeLeaseDurationSeconds);
  await heartbeat.start();

  // Pods that already hold an IP keep it: reserve them all before any new pod asks for one.
  const { items: bound } = await client.list<Pod>(R.pods, undefined, { fieldSelector });
  for (const p of bound) if (p.status?.podIP && !p.spec?.hostNetwork && !terminal(p)) ips.allocate(p.metadata.uid!, addressesOf(p).podIPs);

  const services = new Informer<Service>(client, R.services);
  // What pods reference, as kubelet's watch-based configmap and secret managers see it.
  const configMaps = new ReferencedObjects<ConfigMap>(client, R.configMaps);
  const secrets = new ReferencedObjects<Secret>(client, R.secrets);
  /** The referenced `namespace/name` keys each pod set up holds, by uid (a pod's env and
   *  volumes cannot change): a pod's set-up and deletion touch only its own references. */
  const referenceKeys = new Map<string, { configMaps: string[]; secrets: string[] }>();
  /** Watches what `pod` references, once per pod (a retried set-up reads what is held). */
  const holdReferences = (p: Pod): Promise<unknown> => {
    if (referenceKeys.has(p.metadata.uid!)) return Promise.resolve();
    const names = referencedNames(p);
    const key = (n: string): string => `${p.metadata.namespace}/${n}`;
    const keys = { configMaps: [...names.configMaps].map(key), secrets: [...names.secrets].map(key) };
    referenceKeys.set(p.metadata.uid!, keys);
    return Promise.all([configMaps.hold(keys.configMaps), secrets.hold(keys.secrets)]);
  };
  /** The pod is gone: what only it referenced is no longer watched. */
  const releaseReferences = (uid: string): void => {
    const keys = referenceKeys.get(uid);
    if (!keys) return;
    referenceKeys.delete(uid);
    configMaps.release(keys.configMaps);
    secrets.release(keys.secrets);
  };
  const configSources = cachedSources(configMaps, secrets);
  const volumes = new PodVolumes(dataDir, client, opts.memoryDir);
  // A holder may be started by another process (`up` serves exec for its netns nodes): it
  // builds its mounts from this agent's mount namespace, the only one with the memory dir.
  const ownMountNs = opts.memoryDir ? [hostTool('nsenter'), `--mount=/proc/${process.pid}/ns/mnt`, '--'] : [];
  const tokens = new PodTokens(client, clock);
  /** Each running pod's volumes: name → path on this node. */
  const volumePathsOf = new Map<string, Map<string, string>>();
  const payloadContext = (pod: Pod, podIPs: string[]): PayloadContext => ({
    sources: configSources,
    podIPs,
    hostIPs: opts.nodeIPs,
    token: (audience, expirationSeconds) => tokens.get(pod, audience, expirationSeconds),
  });
  /** Tokens due for renewal are requested again and written into the pods' volumes. */
  let renewTimer: Timer | undefined;
  const renewTokens = (): void => {
    renewTimer = clock.after(TOKEN_RENEW_CHECK_MS, renewTokens);
    for (const pod of pods.list()) {
      const w = workers.get(pod.metadata.uid!);
      if (!w) continue;
      tokens
        .ensure(pod)
        .then((renewed) => (renewed ? volumes.refresh(pod, payloadContext(pod, w.podIPs)) : undefined))
        .catch((err: unknown) => log.warn({ err, pod: pod.metadata.name }, 'could not renew a service account token'));
    }
  };
  const pods = new Informer<Pod>(client, R.pods, { fieldSelector });
  const writer = new StatusWriter(client, (ns, name) => pods.get(ns, name), log);
  // Events (Pulled, Created, Started: three per pod) wait while pod statuses are being written,
  // so a thousand pods starting at once are Ready first and described a few seconds later.
  const recorder = new EventRecorder(client, 'kubelet', nodeName, { ...KUBELET_EVENT_LIMIT, hold: { while: () => writer.busy, atMostMs: EVENT_HOLD_MS } });
  const workers = new Map<string, PodWorker>();
  const network = opts.network ?? hostNetwork;
  /** The network namespace of each pod with a sandbox. */
  const netnsOf = new Map<string, string | undefined>();
  /** Pods whose sandbox is being set up: the latest version seen meanwhile. */
  const settingUp = new Map<string, Pod>();
  let stopped = false;
  // Built-in images share one process per node, unless a test runs fake processes.
  const hostedRunner = opts.runner ? undefined : new HostedRunner(ledgeredRunner(hostProcessRunner, ledger), { argv: imageHostArgv(), logPath: join(dataDir, 'node', 'image-host.log'), ledger, log });
  const runner = hostedRunner ?? ledgeredRunner(opts.runner!, ledger);
  const deps: PodWorkerDeps = {
    clock,
    runner,
    probe: opts.probe ?? runProbe,
    backoff: new RestartBackoff(),
    events: { record: (pod, type, reason, message) => recorder.record(pod, type, reason, message) },
    log,
    hostIPs: opts.nodeIPs,
    prepare(pod, container, podIPs) {
      const volumeMounts = containerMounts(container, volumePathsOf.get(pod.metadata.uid!));
      const resolved = resolveContainer(pod, container, { podIPs, dataDir, mounts: volumeMounts });
      const envWarnings: string[] = [];
      const env = containerEnv(pod, container, services.list(), { podIPs, hostIPs: opts.nodeIPs }, configSources, envWarnings, resolved.imageEnv);
      const netns = netnsOf.get(pod.metadata.uid!);
      if (netns) checkExecutable(resolved.argv[0]!, env.PATH);
      // On the netns network the volumes appear at their mountPaths, and the image's WORKDIR at
      // its path, in a mount namespace of the container's own (exec enters it by the pid); on
      // loopback they are only in the pod's dir.
      const workdir = resolved.workdir && resolved.cwd ? [{ mountPath: resolved.workdir, source: resolved.cwd, readOnly: false }] : [];
      const mounts = netns ? [...volumeMounts, ...workdir] : [];
      const ownMounts = mounts.length > 0 && resolved.cwd !== undefined;
      const privateDir = containerMountDir(dataDir, pod, container.name!);
      // Only a netns container that ran before has a mount namespace (and maybe a holder) of
      // its last run, in its directory: a first start costs one stat.
      if (netns && existsSync(join(podDir(dataDir, pod), container.name!))) clearMountNs(dataDir, pod, container.name!);
      // A hosted container's mounts are built by the first exec into it, in a sleeping process's
      // mount namespace (mount-holder.ts), which ends with the container.
      const hosted = resolved.hosted
        ? {
            spec: resolved.hosted,
            netns,
            podName: pod.metadata.name!,
            cpuPath: hostedCpuPath(dataDir, pod, container.name!),
            ...(ownMounts ? { exited: () => clearMountNs(dataDir, pod, container.name!) } : {}),
          }
        : undefined;
      const holder = hosted && ownMounts ? [...ownMountNs, ...inNetns(netns, withMounts(privateDir, mounts, resolved.workdir ?? resolved.cwd!, ['sleep', 'infinity']))] : undefined;
      // What exec and the resource metrics read is written off the loop (started-env.ts), in
      // order; a hosted container's CPU figure is the image host's to write.
      const fileError = (err: unknown): void => log.warn({ err, pod: pod.metadata.name, container: container.name }, 'could not write a container\'s files');
      const written = saveStarted(dataDir, pod, container.name!, holder ? { env, holder } : { env })
        .then(() => (hosted ? undefined : rm(hostedCpuPath(dataDir, pod, container.name!), { force: true })))
        .catch(fileError);
      return {
        argv: ownMounts ? withMounts(privateDir, mounts, resolved.workdir ?? resolved.cwd!, resolved.argv) : resolved.argv,
        started: (pid: number) => {
          void written
            .then(() => Promise.all([saveMainPid(dataDir, pod, container.name!, pid), ownMounts && !hosted && saveMountNsPid(dataDir, pod, container.name!, pid)]))
            .catch(fileError);
        },
        cwd: resolved.cwd,
        env,
        netns,
        ...(hosted ? { hosted } : {}),
        warnings: [...resolved.warnings, ...envWarnings.map((message) => ({ reason: 'InvalidEnvironmentVariableNames', message }))],
      };
    },
    logPath: (pod, container, restartCount) => logPath(dataDir, pod, container, restartCount),
    report: (pod, status, final) => writer.set(pod, status, final),
  };
  const shutdownGraceMs = opts.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;

  /** Workers of pods gone from the API, until their processes have exited. */
  const leaving = new Set<PodWorker>();

  /** Tears the pod's sandbox down and frees its IP, once nothing of it runs. */
  async function release(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid!;
    if (netnsOf.has(uid) && !pod.spec?.hostNetwork) {
      await network.tearDown(pod).catch((err: unknown) => log.warn({ err, pod: pod.metadata.name }, 'could not tear down the pod sandbox'));
    }
    netnsOf.delete(uid);
    ips.release(uid);
    volumes.tearDown(pod);
    volumePathsOf.delete(uid);
    tokens.forget(uid);
  }

  function remove(pod: Pod, graceMs: number): void {
    const uid = pod.metadata.uid!;
    // Still being set up: the set-up sees it gone and releases it.
    settingUp.delete(uid);
    const w = workers.get(uid);
    if (!w) return;
    workers.delete(uid);
    writer.forget(uid);
    deps.backoff.forget(`${uid}/`);
    leaving.add(w);
    void w.stop(graceMs).then(async () => {
      await release(pod);
      leaving.delete(w);
    });
  }

  function sync(pod: Pod): void {
    const uid = pod.metadata.uid!;
    const w = workers.get(uid);
    if (w) return w.update(pod);
    if (settingUp.has(uid)) return void settingUp.set(uid, pod);
    // A finished pod is not run again (a restarted agent finds it so).
    if (terminal(pod)) return;
    // hostNetwork pods share the node's address (and network), as on Kubernetes.
    const podIPs = pod.spec?.hostNetwork ? opts.nodeIPs : ips.allocate(uid, addressesOf(pod).podIPs);
    if (!podIPs) {
      recorder.record(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: no free IP in pod CIDR ${opts.podCIDRs.join(',')}`);
      return;
    }
    settingUp.set(uid, pod);
    const setUp = pod.spec?.hostNetwork ? Promise.resolve(undefined) : network.setUp(pod, podIPs);
    setUp.then(
      (netns) => {
        netnsOf.set(uid, netns);
        startWhenMounted(pod, podIPs);
      },
      (err: Error) => {
        settingUp.delete(uid);
        ips.release(uid);
        recorder.record(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${err.message}`);
        clock.after(SANDBOX_RETRY_MS, () => {
          const now = pods.get(pod.metadata.namespace!, pod.metadata.name!);
          if (!stopped && now?.metadata.uid === uid) sync(now);
        });
      },
    );
  }

  /** Sets the pod's volumes up, then runs it; a volume that cannot be set up yet (a missing
   *  ConfigMap, an unbound claim) is a FailedMount event and another try later. */
  function startWhenMounted(first: Pod, podIPs: string[]): void {
    const uid = first.metadata.uid!;
    const pod = settingUp.get(uid);
    if (!pod || stopped) {
      settingUp.delete(uid);
      return void release(first);
    }
    // A pod deleted before it ran needs no volumes: its worker only reports it finished.
    const mounted = pod.metadata.deletionTimestamp
      ? Promise.resolve()
      : holdReferences(pod)
          .then(() => tokens.ensure(pod))
          .then(async () => void volumePathsOf.set(uid, await volumes.setUp(pod, payloadContext(pod, podIPs))));
    mounted.then(
      () => {
        const latest = settingUp.get(uid);
        settingUp.delete(uid);
        if (!latest || stopped) return void release(pod);
        const worker = new PodWorker(latest, podIPs, deps);
        workers.set(uid, worker);
        log.debug({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, podIPs, netns: netnsOf.get(uid) }, 'running pod');
        worker.update(latest);
      },
      (err: Error) => {
        recorder.record(pod, 'Warning', 'FailedMount', err.message);
        clock.after(VOLUME_RETRY_MS, () => startWhenMounted(first, podIPs));
      },
    );
  }

  /** A ConfigMap or Secret changed: the volumes of the running pods that project it follow. */
  function refreshVolumes(kind: 'configMaps' | 'secrets', obj: KubeObject): void {
    for (const pod of pods.list(obj.metadata.namespace)) {
      const w = workers.get(pod.metadata.uid!);
      if (!w || !referenceKeys.get(pod.metadata.uid!)?.[kind].includes(`${obj.metadata.namespace}/${obj.metadata.name}`)) continue;
      volumes.refresh(pod, payloadContext(pod, w.podIPs)).catch((err: unknown) => log.warn({ err, pod: pod.metadata.name }, 'could not rewrite the volumes'));
    }
  }
  configMaps.on({ add: (cm) => refreshVolumes('configMaps', cm), update: (_, cm) => refreshVolumes('configMaps', cm) });
  secrets.on({ add: (s) => refreshVolumes('secrets', s), update: (_, s) => refreshVolumes('secrets', s) });

  pods.on({
    add: sync,
    update: (old, pod) => {
      // Same name, new pod: the old one is gone.
      if (old.metadata.uid !== pod.metadata.uid) {
        remove(old, 0);
        releaseReferences(old.metadata.uid!);
      }
      sync(pod);
    },
    delete: (pod) => {
      remove(pod, (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
      releaseReferences(pod.metadata.uid!);
    },
  });
  await services.start();
  await pods.start();
  renewTimer = clock.after(TOKEN_RENEW_CHECK_MS, renewTokens);
  log.info({ podCIDRs: opts.podCIDRs }, 'node agent started');

  return {
    async stop() {
      stopped = true;
      renewTimer?.cancel();
      heartbeat.stop();
      pods.stop();
      services.stop();
      configMaps.stop();
      secrets.stop();
      writer.stop();
      // Pods still stopping with a longer grace period are hurried along too.
      await Promise.all([...workers.values(), ...leaving].map((w) => w.stop(shutdownGraceMs)));
      await hostedRunner?.close();
      // Sandboxes stay: pods keep their network (and IP) across an agent restart, as a node's
      // pods do across a kubelet restart; the network's owner removes them at the end.
      workers.clear();
      log.info('node agent stopped');
    },
  };
}
