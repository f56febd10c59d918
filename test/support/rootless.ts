// Who runs the rootless network in tests, and how to check it can. As root (CI), an unprivileged
// user does: TINYKUBE_TEST_USER, which .ci/run creates, or `nobody`. As anyone else, that user.
// Under CI=true a machine where it cannot run fails the suite instead of skipping it.

import { spawnSync } from 'node:child_process';
import { requirement, type Requirement } from './requires.js';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
}

function lookup(name: string): TestUser | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { name, uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/** The user the rootless suites run tinykube as: never root. */
export const rootlessUser: TestUser | undefined =
  process.getuid?.() === 0 ? lookup(process.env.TINYKUBE_TEST_USER ?? 'nobody') : { name: 'self', uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 };

/** `argv` run as the test user (as is, when that is who we are). */
export function asUser(user: TestUser, argv: string[]): string[] {
  if (user.uid === process.getuid?.()) return argv;
  return ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', ...argv];
}

/** Why the rootless network cannot run here for the test user, or undefined when it can. */
export function rootlessBlocker(): string | undefined {
  if (!rootlessUser) return `no test user (${process.env.TINYKUBE_TEST_USER ?? 'nobody'}) on this machine`;
  const argv = asUser(rootlessUser, ['unshare', '--user', '--map-root-user', '--mount', '--pid', '--fork', 'sh', '-c', 'command -v ip && command -v nft && mount -t tmpfs t /mnt']);
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  return r.status === 0 ? undefined : `user namespaces unavailable to ${rootlessUser.name}: ${(r.stderr || r.error?.message || '').trim()}`;
}

/** The rootless network's requirement (skipped outside CI, failed under CI when blocked). */
export const requiresRootless = (): Requirement => requirement(rootlessBlocker());
