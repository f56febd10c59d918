// The environment a container was started with, kept beside its logs: `kubectl exec` runs with
// it, as a container runtime execs with the container's own env. Values from ConfigMaps and
// Secrets thus stay as they were when the container started (kubelet does not update env).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../apis/core/pods.js';
import { podDir } from './logs.js';

const envPath = (dataDir: string, pod: Pod, container: string): string => join(podDir(dataDir, pod), container, 'env.json');

export function saveStartedEnv(dataDir: string, pod: Pod, container: string, env: Record<string, string>): void {
  const path = envPath(dataDir, pod, container);
  mkdirSync(join(path, '..'), { recursive: true });
  // It may hold Secret values: readable by its owner only.
  writeFileSync(path, JSON.stringify(env), { mode: 0o600 });
}

/** Undefined when the container has not started here (or before this file existed). */
export function startedEnv(dataDir: string, pod: Pod, container: string): Record<string, string> | undefined {
  try {
    return JSON.parse(readFileSync(envPath(dataDir, pod, container), 'utf8')) as Record<string, string>;
  } catch {
    return undefined;
  }
}
