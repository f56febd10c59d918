// How a container runs without a container runtime (DESIGN.md "Pods and images"): the image
// name selects a built-in server, the host's own tools, or a host program. Everything here is
// decided from the pod alone, without effects: the runtime makes the working directory.

import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { scriptArgv } from '../../util/script-argv.js';
import type { Container } from '../../apis/core/pod-template.js';
import type { Pod } from '../../apis/core/pods.js';
import { podDir } from '../logs.js';
import { agnhostPlan } from './agnhost.js';
import { DNS_IMAGE } from '../../dns/cluster-dns.js';
import { PROXY_IMAGE, PROXY_LOG } from '../../proxy/kube-proxy-daemonset.js';
import { parseImage, type ImageRef } from './image-ref.js';
import { effectiveArgv, imageMeta, nginxVersion, type ImageMeta } from './image-meta.js';
import { appletArgv, busyboxBin } from './busybox.js';
import type { BuiltinKind, BuiltinSpec, Listener } from './spec.js';
import type { ContainerMount } from '../runtime/mount-script.js';

export interface ResolvedContainer {
  argv: string[];
  cwd?: string;
  /** The image's WORKDIR when it has one: `cwd` is that path under the container's root. */
  workdir?: string;
  /** The image's ENV (with the busybox applets first on PATH), below the pod's own env. */
  imageEnv: Record<string, string>;
  /** The built-in server's kind (`myapp`, `netexec`, ...), when one runs. */
  builtin?: string;
  /** What the node's image host is told to serve, for a built-in image it can host; argv is
   *  then the same server as a process of its own. */
  hosted?: BuiltinSpec;
  /** Why the container does not run exactly as asked; the agent reports them as Events. */
  warnings: { reason: string; message: string }[];
}

type Plan =
  | { spec: Omit<BuiltinSpec, 'host'>; warning?: string }
  | { argv: string[] };

/** More images of a shell and command-line tools (those with metadata are in image-meta.ts):
 *  their commands run with the host's tools; without one, their default command is a shell,
 *  which exits at once without a terminal. */
const TOOL_IMAGES = new Set(['centos', 'fedora', 'rockylinux', 'almalinux', 'amazonlinux', 'netshoot', 'dnsutils', 'jessie-dnsutils']);
const TOOL_IMAGE_META = { entrypoint: [], cmd: ['sh'] };

const isVersionTag = (tag: string): boolean => /^v\d+/.test(tag);

/** The containerPorts a pod declares, as listeners of a server that speaks HTTP over TCP (and,
 *  with `udp`, answers UDP too). */
function declaredListeners(c: Container, udp: boolean): Listener[] {
  const out: Listener[] = [];
  for (const p of c.ports ?? []) {
    if (!p.containerPort) continue;
    const protocol = p.protocol ?? 'TCP';
    if (protocol === 'TCP') out.push({ port: p.containerPort, proto: 'http', required: true });
    else if (protocol === 'UDP' && udp) out.push({ port: p.containerPort, proto: 'udp', required: true });
  }
  return out;
}

/** Declared ports plus the port the image listens on anyway (not fatal if it cannot bind). */
function withDefault(declared: Listener[], port: number): Listener[] {
  return declared.some((l) => l.port === port && l.proto !== 'udp') ? declared : [...declared, { port, proto: 'http', required: false }];
}

function httpImage(kind: BuiltinKind, c: Container, port: number, extra: Partial<BuiltinSpec> = {}): Plan {
  return { spec: { kind, listeners: withDefault(declaredListeners(c, false), port), ...extra } };
}

/** `-text=hello -listen=:5678` */
function httpEcho(c: Container, words: string[]): Plan {
  const flag = (name: string): string | undefined => {
    const i = words.findIndex((w) => w === `-${name}` || w === `--${name}`);
    if (i >= 0) return words[i + 1];
    return words.find((w) => w.startsWith(`-${name}=`) || w.startsWith(`--${name}=`))?.split('=').slice(1).join('=');
  };
  const port = Number(/:(\d+)$/.exec(flag('listen') ?? '')?.[1] ?? 5678);
  return httpImage('http-echo', c, port, { text: flag('text') ?? '' });
}

/** Where a path of the container is on this node: in the volume mounted deepest above it, else
 *  under the container's root. */
function nodePath(path: string, mounts: ContainerMount[], root: string): string {
  const inside = (m: ContainerMount): boolean => path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`);
  const mount = mounts.filter(inside).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  return mount ? join(mount.source, path.slice(mount.mountPath.length)) : join(root, path);
}

/** Where the container's files are: its volumes and its own root on this node. */
interface Files {
  mounts: ContainerMount[];
  root: string;
}

function postgresPlan(c: Container, files: Files): Plan {
  const pgdata = c.env?.find((e) => e.name === 'PGDATA')?.value || '/var/lib/postgresql/data';
  const listeners = withDefault(declaredListeners(c, false), 5432).map((l): Listener => ({ ...l, proto: 'postgres' }));
  const pg = { data: nodePath(pgdata, files.mounts, files.root), initdb: nodePath('/docker-entrypoint-initdb.d', files.mounts, files.root) };
  return { spec: { kind: 'postgres', listeners, pg } };
}

function planFor(ref: ImageRef, c: Container, meta: ImageMeta | undefined, files: Files): Plan {
  const words = [...(c.command ?? []), ...(c.args ?? [])];
  const { name, repository, tag } = ref;
  // The cluster DNS as pods (src/dns/cluster-dns.ts), configured by its environment.
  if (repository === DNS_IMAGE) return { argv: scriptArgv('dns/pod-main') };
  if (name === 'agnhost') {
    const rest = words[0] === '/agnhost' || words[0] === 'agnhost' ? words.slice(1) : words;
    const plan = agnhostPlan(rest);
    if (plan) return { spec: plan };
    return {
      spec: { kind: 'echo', listeners: declaredListeners(c, true), image: ref.repository },
      warning: `agnhost ${rest[0]} is not built into tinykube; running the echo server on the declared ports`,
    };
  }
  if (name.endsWith('myapp')) return httpImage('myapp', c, 80, { version: isVersionTag(tag) ? tag : 'v1' });
  if (name === 'nginx') return httpImage('nginx', c, repository.startsWith('bitnami/') ? 8080 : 80, { version: nginxVersion(tag) });
  if (name === 'tomcat-app' || name === 'tomcat') return httpImage('tomcat', c, 8080);
  if (name === 'hello-app' && repository.includes('google-samples/')) return httpImage('hello-app', c, 8080, { version: /^\d+\.\d+$/.test(tag) ? `${tag}.0` : tag });
  if (name === 'node-hello' && repository.includes('google-samples/')) return httpImage('node-hello', c, 8080);
  if (repository === 'hashicorp/http-echo') return httpEcho(c, words);
  if (name === 'echoserver' || name === 'echo-server') return { spec: { kind: 'echo', listeners: withDefault(declaredListeners(c, true), 8080), image: repository } };
  if (name === 'serve_hostname' || name === 'serve-hostname') return { spec: { kind: 'serve-hostname', listeners: withDefault(declaredListeners(c, false), 9376) } };
  if (name === 'pause') return { spec: { kind: 'pause', listeners: [] } };
  if (name === 'hpa-example') return httpImage('hpa-example', c, 80, { ownProcess: true });
  if (repository === 'lyzhang1999/backend') return httpImage('flask-backend', c, 5000);
  if (repository === 'lyzhang1999/frontend') return httpImage('react-frontend', c, 3000);
  if (name === 'postgres') return postgresPlan(c, files);
  if (meta) return { argv: effectiveArgv(meta, c.command, c.args) };
  if (TOOL_IMAGES.has(name)) return { argv: effectiveArgv(TOOL_IMAGE_META, c.command, c.args) };
  if (c.command?.length && isAbsolute(c.command[0]) && existsSync(c.command[0])) return { argv: words };
  return {
    spec: { kind: 'echo', listeners: declaredListeners(c, true), image: repository },
    warning: `image ${c.image ?? ''} is not built into tinykube; running the echo server on the declared ports`,
  };
}

/** The built-in server every built-in image but the DNS runs. */
export const builtinServerArgv = (): string[] => scriptArgv('node/images/server');

/** The node's image host, which serves many built-in containers in one process. */
export const imageHostArgv = (): string[] => scriptArgv('node/images/image-host');

/** Where a container's commands run: a directory of its own under the pod's. */
export function containerRoot(dataDir: string, pod: Pod, container: string): string {
  return join(podDir(dataDir, pod), container, 'root');
}

/** Where a container's processes (and `kubectl exec`) start: its root, or the image's WORKDIR
 *  under it. */
export function containerCwd(dataDir: string, pod: Pod, container: Container): string {
  const root = containerRoot(dataDir, pod, container.name ?? '');
  const workdir = imageMeta(parseImage(container.image ?? ''))?.workdir;
  return workdir && workdir !== '/' ? join(root, workdir) : root;
}

/** The image's ENV, with the busybox applets first on PATH for busybox-based images (undefined
 *  `bin` when the host has no busybox). No HOME: the user's home would be the node's own (/root,
 *  with its ~/.kube/config), which a container must not read as its own. */
function imageEnv(meta: ImageMeta | undefined, bin: string | undefined): Record<string, string> {
  if (!meta) return {};
  const env: Record<string, string> = { ...meta.env };
  if (bin) env.PATH = `${bin}:${env.PATH}`;
  return env;
}

/** The busybox applets of a busybox-based image, or the host's tools and why. */
export function busyboxOf(meta: ImageMeta | undefined, dataDir: string): { bin?: string; warning?: string } {
  if (!meta?.busybox) return {};
  const bin = busyboxBin(dataDir);
  return bin ? { bin } : { warning: 'busybox is not installed on this node (apt-get install busybox): sh, wget, nslookup and ping are the host\'s tools' };
}

/** Every container runs in a directory of its own (so `/shell?cmd=ls` or `touch x` stays inside
 *  the pod), created by whoever starts it (the process runner, the image host). */
export function resolveContainer(pod: Pod, container: Container, ctx: { podIPs: string[]; dataDir: string; mounts?: ContainerMount[] }): ResolvedContainer {
  const ref = parseImage(container.image ?? '');
  const meta = imageMeta(ref);
  const cwd = containerCwd(ctx.dataDir, pod, container);
  const workdir = meta && meta.workdir !== '/' ? { workdir: meta.workdir } : {};
  // The kube-proxy DaemonSet's pod: its output is the log of the proxy this node agent runs,
  // from the proxy's start (kube-proxy-daemonset.ts).
  if (ref.repository === PROXY_IMAGE) return { argv: ['tail', '-n', '+1', '-F', join(ctx.dataDir, PROXY_LOG)], cwd, imageEnv: {}, warnings: [] };
  const busybox = busyboxOf(meta, ctx.dataDir);
  const env = imageEnv(meta, busybox.bin);
  const warnings = busybox.warning ? [{ reason: 'BusyboxMissing', message: busybox.warning }] : [];
  const plan = planFor(ref, container, meta, { mounts: ctx.mounts ?? [], root: containerRoot(ctx.dataDir, pod, container.name ?? '') });
  if ('argv' in plan) return { argv: busybox.bin ? appletArgv(busybox.bin, plan.argv) : plan.argv, cwd, ...workdir, imageEnv: env, warnings };
  const [host, ...more] = ctx.podIPs;
  const spec: BuiltinSpec = { ...plan.spec, host: host!, ...(more.length ? { moreHosts: more } : {}) };
  if (plan.warning) warnings.push({ reason: 'BuiltinImage', message: plan.warning });
  return {
    argv: [...builtinServerArgv(), JSON.stringify(spec)],
    cwd,
    ...workdir,
    imageEnv: env,
    builtin: spec.kind,
    ...(spec.ownProcess ? {} : { hosted: spec }),
    warnings,
  };
}
