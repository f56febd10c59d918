// The postgres image, as far as tutorials use it: the docker-entrypoint's first start (the
// cluster initialised with POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, the scripts in
// /docker-entrypoint-initdb.d run, with the image's log lines), and enough of the PostgreSQL
// wire protocol (v3: SSL refused, startup, password authentication, ReadyForQuery) that
// `pg_isready` reports it accepting connections and `psql` is told a wrong password or role
// as PostgreSQL tells it. It keeps no data: a query is answered with an error.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';

const PG_VERSION = '17.2';
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const PROTOCOL_3 = 196608;

/** Who may connect, fixed at the first start as initdb fixes them. */
export interface PgRoles {
  user: string;
  password: string;
  db: string;
  /** POSTGRES_HOST_AUTH_METHOD=trust: no password asked. */
  trust: boolean;
}

/** Where the container's data and init scripts are on this node. */
export interface PgPaths {
  /** PGDATA. */
  data: string;
  /** /docker-entrypoint-initdb.d, when mounted. */
  initdb?: string;
}

/** `2026-12-05 04:50:00.123 UTC [1] LOG:  message` */
export const pgLogLine = (at: Date, pid: number, level: string, message: string): string =>
  `${at.toISOString().replace('T', ' ').replace('Z', '')} UTC [${pid}] ${level}:  ${message}`;

const INITDB_DIR = '/docker-entrypoint-initdb.d';
const ENTRYPOINT = '/usr/local/bin/docker-entrypoint.sh';

const NO_PASSWORD = `Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.

       See PostgreSQL documentation about "trust":
       https://www.postgresql.org/docs/current/auth-trust.html`;

/** psql's command tags for the statements of a script (what the entrypoint's psql prints). */
export function statementTags(sql: string): string[] {
  const statements = sql
    .replace(/--[^\n]*/g, '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  return statements.map((s) => {
    const words = s.split(/\s+/).map((w) => w.toUpperCase());
    if (['CREATE', 'DROP', 'ALTER'].includes(words[0]!)) return `${words[0]} ${words[1] === 'UNIQUE' ? 'INDEX' : words[1]}`;
    if (words[0] === 'INSERT') return `INSERT 0 ${Math.max(1, (s.match(/\)\s*(,|$)/g) ?? []).length)}`;
    return words[0]!;
  });
}

/**
 * The entrypoint's work before the server listens: on an empty PGDATA, initialise it (roles from
 * the environment) and run the init scripts; otherwise keep what the first start fixed.
 * Returns the roles, or throws the entrypoint's error (the container exits 1).
 */
export function startPostgres(paths: PgPaths, env: Record<string, string | undefined>, log: (line: string) => void): PgRoles {
  const saved = join(paths.data, 'tinykube-roles.json');
  if (existsSync(join(paths.data, 'PG_VERSION'))) {
    log('\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n');
    return JSON.parse(readFileSync(saved, 'utf8')) as PgRoles;
  }
  const trust = env.POSTGRES_HOST_AUTH_METHOD === 'trust';
  if (!env.POSTGRES_PASSWORD && !trust) throw new Error(NO_PASSWORD);
  const user = env.POSTGRES_USER || 'postgres';
  const roles: PgRoles = { user, password: env.POSTGRES_PASSWORD ?? '', db: env.POSTGRES_DB || user, trust };
  const pgdata = env.PGDATA ?? '/var/lib/postgresql/data';
  log(
    [
      'The files belonging to this database system will be owned by user "postgres".',
      'This user must also own the server process.',
      '',
      'The database cluster will be initialized with locale "en_US.utf8".',
      'The default database encoding has accordingly been set to "UTF8".',
      'The default text search configuration will be set to "english".',
      '',
      'Data page checksums are disabled.',
      '',
      `fixing permissions on existing directory ${pgdata} ... ok`,
      'creating subdirectories ... ok',
      'performing post-bootstrap initialization ... ok',
      'syncing data to disk ... ok',
      '',
      '',
      'Success. You can now start the database server using:',
      '',
      `    pg_ctl -D ${pgdata} -l logfile start`,
      '',
      'waiting for server to start.... done',
      'server started',
    ].join('\n'),
  );
  if (roles.db !== 'postgres') log('CREATE DATABASE');
  log('');
  const scripts = paths.initdb && existsSync(paths.initdb) ? readdirSync(paths.initdb).filter((f) => !f.startsWith('..')).sort() : [];
  for (const file of scripts) {
    const shown = `${INITDB_DIR}/${file}`;
    if (file.endsWith('.sql')) {
      log(`${ENTRYPOINT}: running ${shown}`);
      for (const tag of statementTags(readFileSync(join(paths.initdb!, file), 'utf8'))) log(tag);
      log('');
    } else if (file.endsWith('.sh')) {
      log(`${ENTRYPOINT}: running ${shown}`);
    } else {
      log(`${ENTRYPOINT}: ignoring ${shown}`);
    }
  }
  log('\nwaiting for server to shut down.... done\nserver stopped\n\nPostgreSQL init process complete; ready for start up.\n');
  mkdirSync(paths.data, { recursive: true });
  writeFileSync(saved, JSON.stringify(roles), { mode: 0o600 });
  writeFileSync(join(paths.data, 'PG_VERSION'), `${PG_VERSION.split('.')[0]}\n`);
  return roles;
}

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** A backend message: type byte, length (itself included), body. */
export const pgMessage = (type: string, body: Buffer = Buffer.alloc(0)): Buffer => Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);

const cstr = (s: string): Buffer => Buffer.from(`${s}\0`);

export function pgError(severity: 'FATAL' | 'ERROR', code: string, message: string): Buffer {
  const fields = Buffer.concat([cstr(`S${severity}`), cstr(`V${severity}`), cstr(`C${code}`), cstr(`M${message}`), Buffer.from([0])]);
  return pgMessage('E', fields);
}

/** key\0value\0…\0 of a StartupMessage. */
export function startupParams(body: Buffer): Record<string, string> {
  const parts = body.toString('utf8').split('\0');
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i]; i += 2) params[parts[i]!] = parts[i + 1]!;
  return params;
}

/** What the server answers a startup with the given parameters and password (undefined: none
 *  sent yet). 'password' asks for one; a string is the FATAL error; 'ok' lets the session in. */
export function authenticate(roles: PgRoles, params: Record<string, string>, password: string | undefined): 'password' | 'ok' | { code: string; message: string } {
  const user = params.user ?? '';
  const db = params.database || user;
  if (!roles.trust) {
    if (password === undefined) return 'password';
    if (user !== roles.user || password !== roles.password) return { code: '28P01', message: `password authentication failed for user "${user}"` };
  } else if (user !== roles.user) return { code: '28000', message: `role "${user}" does not exist` };
  if (![roles.db, 'postgres', 'template1'].includes(db)) return { code: '3D000', message: `database "${db}" does not exist` };
  return 'ok';
}

function welcome(user: string, pid: number): Buffer {
  const status = (k: string, v: string): Buffer => pgMessage('S', Buffer.concat([cstr(k), cstr(v)]));
  const key = Buffer.concat([int32(pid), int32(Math.floor(Math.random() * 2 ** 31))]);
  return Buffer.concat([
    pgMessage('R', int32(0)),
    status('server_version', PG_VERSION),
    status('server_encoding', 'UTF8'),
    status('client_encoding', 'UTF8'),
    status('DateStyle', 'ISO, MDY'),
    status('integer_datetimes', 'on'),
    status('TimeZone', 'Etc/UTC'),
    status('standard_conforming_strings', 'on'),
    status('is_superuser', 'on'),
    status('session_authorization', user),
    pgMessage('K', key),
    pgMessage('Z', Buffer.from('I')),
  ]);
}

/** One client connection: startup packets have no type byte, later messages do. */
export function pgSession(sock: net.Socket, roles: PgRoles, pid: number, log: (line: string) => void): void {
  let buf = Buffer.alloc(0);
  let started = false;
  let params: Record<string, string> = {};
  const fatal = (code: string, message: string): void => {
    log(pgLogLine(new Date(), pid, 'FATAL', message));
    sock.end(pgError('FATAL', code, message));
  };
  const decide = (password: string | undefined): void => {
    const answer = authenticate(roles, params, password);
    if (answer === 'password') sock.write(pgMessage('R', int32(3)));
    else if (answer === 'ok') sock.write(welcome(params.user ?? '', pid));
    else fatal(answer.code, answer.message);
  };
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const head = started ? 5 : 4;
      if (buf.length < head) return;
      const len = buf.readInt32BE(started ? 1 : 0);
      if (buf.length < len + (started ? 1 : 0)) return;
      const type = started ? String.fromCharCode(buf[0]!) : '';
      const body = started ? buf.subarray(5, len + 1) : buf.subarray(8, len);
      const code = started ? 0 : buf.readInt32BE(4);
      buf = buf.subarray(len + (started ? 1 : 0));
      if (!started) {
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          sock.write('N');
          continue;
        }
        if (code !== PROTOCOL_3) return void sock.destroy();
        started = true;
        params = startupParams(body);
        decide(undefined);
      } else if (type === 'p') {
        decide(body.toString('utf8').replace(/\0$/, ''));
      } else if (type === 'Q') {
        sock.write(Buffer.concat([pgError('ERROR', '0A000', "tinykube's postgres image keeps no data: queries are not supported"), pgMessage('Z', Buffer.from('I'))]));
      } else if (type === 'X') {
        return void sock.end();
      }
    }
  });
}
