// How a container runs without a container runtime (DESIGN.md "Pods and images"): the image
// name selects a built-in server, the host's own tools, or a host program. Everything here is
// decided from the pod alone; the one effect is creating the container's working directory.

import { existsSync, mkdirSync } from 'node:fs';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Container } from '../../apis/core/pod-template.js';
import type { Pod } from '../../apis/core/pods.js';
import { podDir } from '../logs.js';
import { agnhostPlan } from './agnhost.js';
import { DNS_IMAGE } from '../../dns/cluster-dns.js';
import { PROXY_IMAGE, PROXY_LOG } from '../../proxy/kube-proxy-daemonset.js';
import { parseImage, type ImageRef } from './image-ref.js';
import type { BuiltinKind, BuiltinSpec, Listener } from './spec.js';

export interface ResolvedContainer {
  argv: string[];
  cwd?: string;
  /** The built-in server's kind (`myapp`, `netexec`, ...), when one runs. */
  builtin?: string;
  /** Why the container does not run as asked; the agent reports it as an Event. */
  warning?: string;
}

type Plan =
  | { spec: Omit<BuiltinSpec, 'host'>; warning?: string }
  | { argv: string[] };

/** Images of a shell and command-line tools: their commands run with the host's tools. The
 *  value is the image's entrypoint, prepended to `args` when there is no `command`. */
const TOOL_IMAGES = new Map<string, string[]>([
  ['busybox', []],
  ['alpine', []],
  ['ubuntu', []],
  ['debian', []],
  ['centos', []],
  ['fedora', []],
  ['rockylinux', []],
  ['almalinux', []],
  ['amazonlinux', []],
  ['netshoot', []],
  ['dnsutils', []],
  ['jessie-dnsutils', []],
  ['curl', ['curl']],
]);

/** The default command of the tool images: a shell, which exits at once without a terminal. */
const TOOL_DEFAULT_CMD = ['sh'];

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

/** Kubernetes' rule: `command` replaces the entrypoint (and drops the default args), `args`
 *  replace the default args. */
function toolArgv(c: Container, entrypoint: string[]): string[] {
  if (c.command?.length) return [...c.command, ...(c.args ?? [])];
  const argv = [...entrypoint, ...(c.args ?? [])];
  return argv.length ? argv : TOOL_DEFAULT_CMD;
}

function planFor(ref: ImageRef, c: Container): Plan {
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
  if (name === 'nginx') return httpImage('nginx', c, repository.startsWith('bitnami/') ? 8080 : 80);
  if (name === 'tomcat-app' || name === 'tomcat') return httpImage('tomcat', c, 8080);
  if (name === 'hello-app' && repository.includes('google-samples/')) return httpImage('hello-app', c, 8080, { version: /^\d+\.\d+$/.test(tag) ? `${tag}.0` : tag });
  if (name === 'node-hello' && repository.includes('google-samples/')) return httpImage('node-hello', c, 8080);
  if (repository === 'hashicorp/http-echo') return httpEcho(c, words);
  if (name === 'echoserver' || name === 'echo-server') return { spec: { kind: 'echo', listeners: withDefault(declaredListeners(c, true), 8080), image: repository } };
  if (name === 'serve_hostname' || name === 'serve-hostname') return { spec: { kind: 'serve-hostname', listeners: withDefault(declaredListeners(c, false), 9376) } };
  if (name === 'pause') return { spec: { kind: 'pause', listeners: [] } };
  if (name === 'hpa-example') return httpImage('hpa-example', c, 80);
  const entrypoint = TOOL_IMAGES.get(name);
  if (entrypoint) return { argv: toolArgv(c, entrypoint) };
  if (c.command?.length && isAbsolute(c.command[0]) && existsSync(c.command[0])) return { argv: words };
  return {
    spec: { kind: 'echo', listeners: declaredListeners(c, true), image: repository },
    warning: `image ${c.image ?? ''} is not built into tinykube; running the echo server on the declared ports`,
  };
}

const HERE = fileURLToPath(import.meta.url);

/**
 * The command line of a script of ours (a path under src/ or dist/, without extension). Built,
 * this file is dist/node/images/resolve.js and scripts are plain JS; under tsx (tests) it is
 * src/…/resolve.ts and scripts are TypeScript, so the child gets tsx's loader by absolute URL
 * (found from here, whatever the child's working directory).
 */
function scriptArgv(fromRoot: string): string[] {
  const ext = extname(HERE);
  const script = join(dirname(HERE), '..', '..', `${fromRoot}${ext === '.ts' ? '.ts' : '.js'}`);
  return ext === '.ts' ? [process.execPath, '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, script] : [process.execPath, script];
}

/** The built-in server every built-in image but the DNS runs. */
export const builtinServerArgv = (): string[] => scriptArgv('node/images/server');

/** Where a container's commands run: a directory of its own under the pod's. */
export function containerRoot(dataDir: string, pod: Pod, container: string): string {
  return join(podDir(dataDir, pod), container, 'root');
}

/** Every container runs in a directory of its own (so `/shell?cmd=ls` or `touch x` stays inside
 *  the pod), created here. */
export function resolveContainer(pod: Pod, container: Container, ctx: { podIP: string; dataDir: string }): ResolvedContainer {
  const ref = parseImage(container.image ?? '');
  const cwd = containerRoot(ctx.dataDir, pod, container.name ?? '');
  mkdirSync(cwd, { recursive: true });
  // The kube-proxy DaemonSet's pod: its output is the log of the proxy this node agent runs,
  // from the proxy's start (kube-proxy-daemonset.ts).
  if (ref.repository === PROXY_IMAGE) return { argv: ['tail', '-n', '+1', '-F', join(ctx.dataDir, PROXY_LOG)], cwd };
  const plan = planFor(ref, container);
  if ('argv' in plan) return { argv: plan.argv, cwd };
  const spec: BuiltinSpec = { ...plan.spec, host: ctx.podIP };
  return {
    argv: [...builtinServerArgv(), JSON.stringify(spec)],
    cwd,
    builtin: spec.kind,
    ...(plan.warning ? { warning: plan.warning } : {}),
  };
}
