// What an image's config says about how its containers run (Dockerfile WORKDIR, ENV, USER,
// ENTRYPOINT, CMD, EXPOSE), for the images tinykube knows, and the rules a runtime applies to
// them: the environment merge and Docker's command/args semantics. Pure data and functions.

import type { ImageRef } from './image-ref.js';

export interface ImageMeta {
  /** WORKDIR: where the container's processes and `kubectl exec` start. */
  workdir: string;
  /** ENV, in the image's order. */
  env: Record<string, string>;
  /** USER; root when empty. */
  user: string;
  entrypoint: string[];
  cmd: string[];
  /** EXPOSE (documentation only, as in Docker). */
  exposed: number[];
  /** Its shell and tools are busybox's (busybox, alpine and images built on them). */
  busybox: boolean;
}

/** The PATH of the official images (Docker's default). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const base = (m: Partial<ImageMeta>): ImageMeta => ({
  workdir: '/',
  user: '',
  entrypoint: [],
  cmd: [],
  exposed: [],
  busybox: false,
  ...m,
  env: { PATH: DEFAULT_PATH, ...m.env },
});

const nginxEnv = (version: string): Record<string, string> => ({ NGINX_VERSION: version });
const NGINX_CMD = { entrypoint: ['/docker-entrypoint.sh'], cmd: ['nginx', '-g', 'daemon off;'], exposed: [80] };

/** The nginx version an nginx tag names (`1.7.9`, `1.25-alpine` → `1.25`), else the current one. */
export function nginxVersion(tag: string): string {
  const m = /^(\d+\.\d+(?:\.\d+)?)/.exec(tag);
  return m ? m[1] : '1.27.3';
}

/** Known images by repository, or by name when any repository ships it. */
export function imageMeta(ref: ImageRef): ImageMeta | undefined {
  const { repository, name, tag } = ref;
  switch (repository) {
    case 'busybox':
      return base({ busybox: true, cmd: ['sh'] });
    case 'alpine':
      return base({ busybox: true, cmd: ['/bin/sh'] });
    case 'ubuntu':
      return base({ cmd: ['/bin/bash'] });
    case 'debian':
      return base({ cmd: ['bash'] });
    case 'nginx':
      return tag.includes('alpine')
        ? base({ busybox: true, env: nginxEnv(nginxVersion(tag)), ...NGINX_CMD })
        : base({ env: nginxEnv(nginxVersion(tag)), ...NGINX_CMD });
    case 'kubeguide/tomcat-app':
    case 'tomcat':
      return base({
        workdir: '/usr/local/tomcat',
        env: { PATH: `/usr/local/tomcat/bin:${DEFAULT_PATH}`, CATALINA_HOME: '/usr/local/tomcat', TOMCAT_MAJOR: '8', TOMCAT_VERSION: '8.0.35' },
        cmd: ['catalina.sh', 'run'],
        exposed: [8080],
      });
    case 'postgres': {
      const major = /^(\d+)/.exec(tag)?.[1] ?? '17';
      return base({
        env: {
          PATH: `${DEFAULT_PATH}:/usr/lib/postgresql/${major}/bin`,
          LANG: 'en_US.utf8',
          PG_MAJOR: major,
          PGDATA: '/var/lib/postgresql/data',
        },
        entrypoint: ['docker-entrypoint.sh'],
        cmd: ['postgres'],
        exposed: [5432],
      });
    }
    case 'lyzhang1999/backend':
      // python:3.8-slim-buster with the Flask app in /app, run by `flask run`.
      return base({
        workdir: '/app',
        env: { PATH: DEFAULT_PATH, LANG: 'C.UTF-8', PYTHON_VERSION: '3.8.16' },
        cmd: ['python3', '-m', 'flask', 'run', '--host=0.0.0.0'],
      });
    case 'lyzhang1999/frontend':
      // node:16-alpine with the React app in /frontend, run by `yarn start`.
      return base({
        busybox: true,
        workdir: '/frontend',
        env: { NODE_VERSION: '16.20.2', YARN_VERSION: '1.22.19' },
        entrypoint: ['docker-entrypoint.sh'],
        cmd: ['yarn', 'start'],
      });
  }
  // ikubernetes/myapp and its copies: nginx:1.12.2-alpine with their pages.
  // curlimages/curl (alpine; its entrypoint script runs `curl "$@"`) and its copies.
  if (name === 'curl') return base({ busybox: true, entrypoint: ['curl'], cmd: ['--help'], user: 'curl_user', workdir: '/home/curl_user' });
  if (name.endsWith('myapp')) return base({ busybox: true, env: nginxEnv('1.12.2'), ...NGINX_CMD });
  return undefined;
}

/** Docker's rule, which Kubernetes keeps: `command` replaces ENTRYPOINT and drops CMD; `args`
 *  alone replace CMD. */
export function effectiveArgv(meta: Pick<ImageMeta, 'entrypoint' | 'cmd'>, command: string[] | undefined, args: string[] | undefined): string[] {
  if (command?.length) return [...command, ...(args ?? [])];
  return [...meta.entrypoint, ...(args?.length ? args : meta.cmd)];
}

