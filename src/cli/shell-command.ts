// `tinykube shell [NODE] [--client] [-- CMD...]`: a shell (or CMD) on a node of the netns
// network, or on its outside client — what tutorials do with `minikube ssh` or on a kubeadm
// node as root: curl a ClusterIP, dig @10.96.0.10, iptables-save, nft list ruleset, conntrack -L,
// with this machine's own tools. Rootless, it joins the user, mount and PID namespaces of the
// running `up` (as their root), so it ends with the cluster; with `--network netns` it needs root.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { firstInside } from '../network/rootless/userns.js';
import { NETNS_RUN } from '../network/netns/names.js';
import { dataDirOf } from './flags.js';
import { USERNS_PID_FILE } from './rootless-up.js';

const HELP = `Usage: tinykube shell [NODE] [--client] [--data-dir DIR] [-- CMD [ARGS...]]

Runs CMD (default: your $SHELL) as root on a node of the netns network (default: the first node),
or with --client on the outside client. NODE is a node's name as kubectl get nodes prints it.
`;

/** The namespaces to enter, given the cluster's data dir; throws with what the user can do. */
export function shellArgv(dataDir: string, target: { node?: string; client?: boolean }, cmd: string[]): string[] {
  const nodesDir = join(dataDir, 'nodes');
  const nodes = existsSync(nodesDir) ? readdirSync(nodesDir).filter((n) => /-node-\d+$/.test(n)).sort((a, b) => Number(a.split('-').pop()) - Number(b.split('-').pop())) : [];
  if (!nodes.length) throw new Error(`no netns cluster in ${dataDir}: start one with tinykube up (or give --data-dir)`);
  const prefix = nodes[0]!.replace(/-node-\d+$/, '');
  if (target.node && !nodes.includes(target.node)) throw new Error(`no node "${target.node}" (nodes: ${nodes.join(', ')})`);
  const ns = target.client ? `${prefix}-client` : (target.node ?? nodes[0]!);
  const enter = enterCluster(dataDir);
  // As root in the host, the names are the host's (ip's own error would only say it cannot open it).
  if (!enter.length && !existsSync(join(NETNS_RUN, ns))) throw new Error(`the cluster of ${dataDir} is not running (no network namespace ${ns}): start it with tinykube up`);
  return [...enter, 'ip', 'netns', 'exec', ns, ...cmd];
}

/** The argv prefix that reaches the cluster's namespace names: none for `--network netns` (root,
 *  in the host), else joining the rootless `up`'s user, mount and PID namespaces as their root. */
export function enterCluster(dataDir: string): string[] {
  const pidFile = join(dataDir, USERNS_PID_FILE);
  if (!existsSync(pidFile)) return [];
  const holder = firstInside(Number(readFileSync(pidFile, 'utf8')));
  if (!holder) throw new Error(`the cluster of ${dataDir} is not running: start it with tinykube up`);
  return ['nsenter', `--target=${holder}`, '--user', '--preserve-credentials', '--mount', '--pid', '--'];
}

export async function shellCommand(args: string[]): Promise<number> {
  const dash = args.indexOf('--');
  const own = dash < 0 ? args : args.slice(0, dash);
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, client: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1 || (positionals.length && values.client)) throw new Error(`shell: give one NODE or --client\n\n${HELP}`);
  const cmd = dash < 0 ? [process.env.SHELL || '/bin/sh'] : args.slice(dash + 1);
  if (!cmd.length) throw new Error('shell: nothing to run after --');
  const argv = shellArgv(dataDirOf(values['data-dir']), { node: positionals[0], client: values.client }, cmd);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit' });
  return new Promise((resolve) => {
    child.once('error', (e) => {
      process.stderr.write(`tinykube shell: ${e.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
