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
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { RestartBackoff } from './backoff.js';
import { realClock, type Clock } from '../util/clock.js';
import { containerEnv } from './env.js';
import { resolveContainer } from './images/resolve.js';
import { logPath } from './logs.js';
import { NodeHeartbeat } from './node-heartbeat.js';
import { readHostFacts } from './node-object.js';
import { PodIPAllocator } from './pod-ips.js';
import { PodWorker, type PodWorkerDeps } from './pod-worker.js';
import { runProbe, type ProbeRunner } from './probes/run-probe.js';
import { ledgeredRunner, ProcessLedger } from './runtime/process-ledger.js';
import { hostProcessRunner, type ProcessRunner } from './runtime/process-runner.js';
import { StatusWriter } from './status-writer.js';

export interface NodeAgentOptions {
  client: Client;
  log: Logger;
  nodeName: string;
  dataDir: string;
  /** e.g. 127.244.0.0/16 */
  podCIDR: string;
  /** e.g. 127.0.0.1 */
  nodeIP: string;
  clock?: Clock;
  /** How long stop() lets pod processes exit after SIGTERM before SIGKILL. */
  shutdownGraceMs?: number;
  /** Effects, replaceable in tests. */
  runner?: ProcessRunner;
  probe?: ProbeRunner;
}

export interface NodeAgent {
  stop(): Promise<void>;
}

const DEFAULT_SHUTDOWN_GRACE_MS = 2_000;

const terminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export async function startNodeAgent(opts: NodeAgentOptions): Promise<NodeAgent> {
  const { client, nodeName, dataDir } = opts;
  const log = opts.log.child({ component: 'node', node: nodeName });
  const clock = opts.clock ?? realClock;
  const fieldSelector = `spec.nodeName=${nodeName}`;
  // What an agent that died without stopping its pods left running goes first.
  const ledger = new ProcessLedger(join(dataDir, 'node', 'processes'));
  const leftovers = ledger.killLeftovers();
  if (leftovers.length) log.warn({ pids: leftovers }, 'killed pod processes left by an earlier run');
  const ips = new PodIPAllocator(opts.podCIDR);
  const heartbeat = new NodeHeartbeat(client, { nodeName, nodeIP: opts.nodeIP, podCIDR: opts.podCIDR, host: readHostFacts() }, clock, log);
  await heartbeat.start();

  // Pods that already hold an IP keep it: reserve them all before any new pod asks for one.
  const { items: bound } = await client.list<Pod>(R.pods, undefined, { fieldSelector });
  for (const p of bound) if (p.status?.podIP && !p.spec?.hostNetwork && !terminal(p)) ips.allocate(p.metadata.uid!, p.status.podIP);

  const services = new Informer<Service>(client, R.services);
  const pods = new Informer<Pod>(client, R.pods, { fieldSelector });
  const recorder = new EventRecorder(client, 'kubelet', nodeName);
  const writer = new StatusWriter(client, (ns, name) => pods.get(ns, name), log);
  const workers = new Map<string, PodWorker>();
  const deps: PodWorkerDeps = {
    clock,
    runner: ledgeredRunner(opts.runner ?? hostProcessRunner, ledger),
    probe: opts.probe ?? runProbe,
    backoff: new RestartBackoff(),
    events: { record: (pod, type, reason, message) => recorder.record(pod, type, reason, message) },
    log,
    hostIP: opts.nodeIP,
    prepare(pod, container, podIP) {
      const resolved = resolveContainer(pod, container, { podIP, dataDir });
      return {
        argv: resolved.argv,
        cwd: resolved.cwd,
        env: containerEnv(pod, container, services.list(), podIP, opts.nodeIP),
        ...(resolved.warning ? { warning: resolved.warning } : {}),
      };
    },
    logPath: (pod, container, restartCount) => logPath(dataDir, pod, container, restartCount),
    report: (pod, status, final) => writer.set(pod, status, final),
  };
  const shutdownGraceMs = opts.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;

  /** Workers of pods gone from the API, until their processes have exited. */
  const leaving = new Set<PodWorker>();

  function remove(uid: string, graceMs: number): void {
    const w = workers.get(uid);
    if (!w) return;
    workers.delete(uid);
    writer.forget(uid);
    deps.backoff.forget(`${uid}/`);
    leaving.add(w);
    void w.stop(graceMs).then(() => {
      leaving.delete(w);
      ips.release(uid);
    });
  }

  function sync(pod: Pod): void {
    const uid = pod.metadata.uid!;
    let w = workers.get(uid);
    if (!w) {
      // A finished pod is not run again (a restarted agent finds it so).
      if (terminal(pod)) return;
      // hostNetwork pods share the node's address, as on Kubernetes.
      const ip = pod.spec?.hostNetwork ? opts.nodeIP : ips.allocate(uid, pod.status?.podIP);
      if (!ip) {
        recorder.record(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: no free IP in pod CIDR ${opts.podCIDR}`);
        return;
      }
      w = new PodWorker(pod, ip, deps);
      workers.set(uid, w);
      log.debug({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, ip }, 'running pod');
    }
    w.update(pod);
  }

  pods.on({
    add: sync,
    update: (old, pod) => {
      // Same name, new pod: the old one is gone.
      if (old.metadata.uid !== pod.metadata.uid) remove(old.metadata.uid!, 0);
      sync(pod);
    },
    delete: (pod) => remove(pod.metadata.uid!, (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000),
  });
  await services.start();
  await pods.start();
  log.info({ podCIDR: opts.podCIDR }, 'node agent started');

  return {
    async stop() {
      heartbeat.stop();
      pods.stop();
      services.stop();
      writer.stop();
      // Pods still stopping with a longer grace period are hurried along too.
      await Promise.all([...workers.values(), ...leaving].map((w) => w.stop(shutdownGraceMs)));
      workers.clear();
      log.info('node agent stopped');
    },
  };
}
