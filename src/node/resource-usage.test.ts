import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineUsage, processGroupUsage } from './resource-usage.js';
import { mainPid, saveMainPid } from './started-env.js';
import { podDir } from './logs.js';
import type { Pod } from '../apis/core/pods.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('resource usage from /proc', () => {
  it("sums a process group's CPU and memory, and finds its main pid again by start time", async (t) => {
    // A shell spinning in a group of its own, with a child that sleeps: both count.
    const child = spawn('sh', ['-c', 'sleep 30 & while :; do :; done'], { detached: true, stdio: 'ignore' });
    const dir = mkdtempSync(join(tmpdir(), 'usage-'));
    t.after(() => {
      process.kill(-child.pid!, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    await sleep(600);
    const g = processGroupUsage().get(child.pid!);
    assert.ok(g && g.cpuSeconds >= 0.2, `cpu ${g?.cpuSeconds}`);
    assert.ok(g.memoryBytes > 0);

    const pod = { metadata: { namespace: 'default', name: 'p', uid: 'u1' } } as Pod;
    mkdirSync(join(podDir(dir, pod), 'c'), { recursive: true });
    await saveMainPid(dir, pod, 'c', child.pid!);
    assert.equal(mainPid(dir, pod, 'c'), child.pid);
    assert.equal(mainPid(dir, pod, 'other'), undefined);
  });

  it("reads the machine's busy CPU and memory in use", () => {
    const m = machineUsage();
    assert.ok(m.cpuSeconds > 0 && m.memoryBytes > 0);
  });
});
