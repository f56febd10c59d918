// Can this machine run the netns network rootless? Unprivileged user namespaces (kernel, sysctls,
// Ubuntu's AppArmor restriction), util-linux's unshare, iproute2 and nftables. diagnose() turns the
// readings into one cause and the one command that would fix it (pure); probeRootless() reads them.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface RootlessReadings {
  platform: string;
  /** Programs on PATH, by name. */
  tools: Record<string, boolean>;
  /** /proc/sys values, absent where the file does not exist. */
  sysctls: Partial<Record<'kernel.unprivileged_userns_clone' | 'user.max_user_namespaces' | 'kernel.apparmor_restrict_unprivileged_userns', string>>;
  /** The trial `unshare --user --map-root-user --mount --pid --fork true`: its error, if any. */
  unshareError?: string;
}

export type RootlessVerdict = { ok: true } | { ok: false; cause: string; fix: string };

/** The Debian package of each tool the rootless network runs. */
export const ROOTLESS_TOOLS: Record<string, string> = { unshare: 'util-linux', nsenter: 'util-linux', ip: 'iproute2', nft: 'nftables' };

export function diagnose(r: RootlessReadings): RootlessVerdict {
  if (r.platform !== 'linux') return { ok: false, cause: `network namespaces need Linux (this is ${r.platform})`, fix: 'run tinykube on Linux (or in a Linux VM)' };
  const missing = Object.keys(ROOTLESS_TOOLS).filter((t) => !r.tools[t]);
  if (missing.length) {
    const pkgs = [...new Set(missing.map((t) => ROOTLESS_TOOLS[t]!))];
    return { ok: false, cause: `${missing.join(', ')} not found on PATH`, fix: `sudo apt-get install ${pkgs.join(' ')}` };
  }
  if (r.unshareError === undefined) return { ok: true };
  const s = r.sysctls;
  if (s['kernel.unprivileged_userns_clone'] === '0') {
    return { ok: false, cause: 'unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0)', fix: 'sudo sysctl -w kernel.unprivileged_userns_clone=1' };
  }
  if (s['user.max_user_namespaces'] === '0') {
    return { ok: false, cause: 'user namespaces are disabled (user.max_user_namespaces=0)', fix: 'sudo sysctl -w user.max_user_namespaces=15000' };
  }
  if (s['kernel.apparmor_restrict_unprivileged_userns'] === '1') {
    return { ok: false, cause: "AppArmor restricts unprivileged user namespaces (Ubuntu's kernel.apparmor_restrict_unprivileged_userns=1)", fix: 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' };
  }
  return { ok: false, cause: `a user namespace could not be created: ${r.unshareError}`, fix: 'sudo sysctl -w user.max_user_namespaces=15000' };
}

const onPath = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

function sysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function probeRootless(): RootlessVerdict {
  const tools = Object.fromEntries(Object.keys(ROOTLESS_TOOLS).map((t) => [t, process.platform === 'linux' && onPath(t)]));
  const readings: RootlessReadings = {
    platform: process.platform,
    tools,
    sysctls: {
      'kernel.unprivileged_userns_clone': sysctl('kernel.unprivileged_userns_clone'),
      'user.max_user_namespaces': sysctl('user.max_user_namespaces'),
      'kernel.apparmor_restrict_unprivileged_userns': sysctl('kernel.apparmor_restrict_unprivileged_userns'),
    },
  };
  if (process.platform === 'linux' && Object.values(tools).every(Boolean)) {
    // Mounting (as the inner run does) is part of the trial: AppArmor's restriction lets the
    // namespace be made but takes its capabilities away.
    const trial = spawnSync('unshare', ['--user', '--map-root-user', '--mount', '--pid', '--fork', 'sh', '-c', 'mount -t tmpfs tmpfs /mnt'], { encoding: 'utf8', timeout: 10_000 });
    if (trial.status !== 0) readings.unshareError = (trial.stderr || trial.error?.message || `exit ${trial.status}`).trim().split('\n')[0];
  }
  return diagnose(readings);
}
