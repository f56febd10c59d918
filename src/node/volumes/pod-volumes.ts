// A pod's volumes on its node, in kubelet's layout under the pod's directory:
//   <data-dir>/pods/<namespace>_<pod>_<uid>/volumes/kubernetes.io~<plugin>/<volume>
// configMap, secret and projected volumes are written there atomically (and rewritten when
// what they project changes); emptyDir is a directory there; hostPath is the host's path and a
// persistentVolumeClaim the hostPath of the PersistentVolume bound to it. Given a memory dir
// (memory-dir.ts), secret and projected volumes are in that tmpfs instead, in the same layout:
//   <memory-dir>/<namespace>_<pod>_<uid>/volumes/kubernetes.io~<plugin>/<volume>

import { mkdirSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Volume } from '../../apis/core/pod-template.js';
import type { Pod } from '../../apis/core/pods.js';
import type { Client, ResourceId } from '../../client/client.js';
import { podDir } from '../logs.js';
import { writeAtomically } from './atomic-writer.js';
import { volumePayload, VolumeSetupError, type PayloadContext } from './payload.js';

const PVCS: ResourceId = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
const PVS: ResourceId = { group: '', version: 'v1', resource: 'persistentvolumes' };

const PLUGIN: Record<string, string> = {
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  projected: 'kubernetes.io~projected',
  emptyDir: 'kubernetes.io~empty-dir',
};

export const volumesDir = (dataDir: string, pod: Pod): string => join(podDir(dataDir, pod), 'volumes');

/** kubelet's memory-backed volumes (its wrapped emptyDir has medium Memory). */
const IN_MEMORY = new Set(['secret', 'projected']);

/** hostPath's `type` checks (HostPathType), creating what *OrCreate asks for. */
function hostPathDir(path: string, type: string | undefined): string {
  const kind = (): 'dir' | 'file' | 'other' | undefined => {
    try {
      const s = statSync(path);
      return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
    } catch {
      return undefined;
    }
  };
  if (type === 'DirectoryOrCreate' && !kind()) mkdirSync(path, { recursive: true, mode: 0o755 });
  if (type === 'Directory' || type === 'DirectoryOrCreate') {
    if (kind() !== 'dir') throw new VolumeSetupError(`hostPath type check failed: ${path} is not a directory`);
  } else if (type === 'File' && kind() !== 'file') throw new VolumeSetupError(`hostPath type check failed: ${path} is not a file`);
  return path;
}

/** The PersistentVolume's path behind a claim (spec.volumeName → spec.hostPath or spec.local). */
async function claimPath(client: Client, pod: Pod, claimName: string): Promise<string> {
  const ns = pod.metadata.namespace!;
  const pvc = await client.get(PVCS, ns, claimName).catch((e: { code?: number }) => {
    throw e.code === 404 ? new VolumeSetupError(`persistentvolumeclaim "${claimName}" not found`) : e;
  });
  const volumeName = pvc.spec?.volumeName as string | undefined;
  if (!volumeName) throw new VolumeSetupError(`PersistentVolumeClaim is not bound: "${claimName}"`);
  const pv = await client.get(PVS, undefined, volumeName);
  const path = (pv.spec?.hostPath?.path ?? pv.spec?.local?.path) as string | undefined;
  if (!path) throw new VolumeSetupError(`persistentvolume "${volumeName}" has no hostPath or local path`);
  return path;
}

export class PodVolumes {
  constructor(
    private readonly dataDir: string,
    private readonly client: Client,
    /** A tmpfs for secret and projected volumes; without one they are on disk. */
    private readonly memoryDir?: string,
  ) {}

  /** Where a volume of the pod lives on this node when kubelet keeps it under the pod's dir. */
  private ownDir(pod: Pod, v: Volume): string | undefined {
    const plugin = Object.keys(PLUGIN).find((k) => v[k] !== undefined);
    if (!plugin) return undefined;
    const root = this.memoryDir && IN_MEMORY.has(plugin) ? join(this.inMemory(pod, this.memoryDir), 'volumes') : volumesDir(this.dataDir, pod);
    return join(root, PLUGIN[plugin], v.name!);
  }

  /** The pod's directory in the memory dir. */
  private inMemory(pod: Pod, memoryDir: string): string {
    return join(memoryDir, basename(podDir(this.dataDir, pod)));
  }

  /** Sets every volume up; returns each volume's path on this node. Throws VolumeSetupError
   *  (with the volume's name) for what kubelet reports as FailedMount. */
  async setUp(pod: Pod, ctx: PayloadContext): Promise<Map<string, string>> {
    const paths = new Map<string, string>();
    for (const v of pod.spec?.volumes ?? []) {
      try {
        paths.set(v.name!, await this.setUpOne(pod, v, ctx));
      } catch (err) {
        if (err instanceof VolumeSetupError) throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${v.name}" : ${err.message}`);
        throw err;
      }
    }
    return paths;
  }

  private async setUpOne(pod: Pod, v: Volume, ctx: PayloadContext): Promise<string> {
    if (v.hostPath?.path) return hostPathDir(v.hostPath.path, v.hostPath.type);
    if (v.persistentVolumeClaim?.claimName) return claimPath(this.client, pod, v.persistentVolumeClaim.claimName);
    const dir = this.ownDir(pod, v);
    if (!dir) throw new VolumeSetupError(`volume type not supported on this node: ${Object.keys(v).filter((k) => k !== 'name').join(', ')}`);
    const payload = volumePayload(pod, v, ctx);
    if (payload) await writeAtomically(dir, payload);
    else await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Rewrites the projected volumes (a ConfigMap or Secret changed); errors leave the last
   *  good files in place, as kubelet does. */
  async refresh(pod: Pod, ctx: PayloadContext): Promise<void> {
    for (const v of pod.spec?.volumes ?? []) {
      const dir = this.ownDir(pod, v);
      if (!dir) continue;
      try {
        const payload = volumePayload(pod, v, ctx);
        if (payload) await writeAtomically(dir, payload);
      } catch (err) {
        if (!(err instanceof VolumeSetupError)) throw err;
      }
    }
  }

  /** The pod is gone: its own volumes go with it (emptyDir data too, as on Kubernetes). */
  tearDown(pod: Pod): void {
    rmSync(volumesDir(this.dataDir, pod), { recursive: true, force: true });
    if (this.memoryDir) rmSync(this.inMemory(pod, this.memoryDir), { recursive: true, force: true });
  }
}
