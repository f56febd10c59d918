// Logs: JSON lines (pino) into DATA_DIR/logs/tinykube.log; warnings and errors also on stderr,
// so the terminal running `up` stays readable.

import { mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pino, { type Logger } from 'pino';
import { klogLine } from './klog.js';

export function openLog(dataDir: string, level: string): Logger {
  const dir = join(dataDir, 'logs');
  mkdirSync(dir, { recursive: true });
  return pino(
    { level, base: undefined },
    pino.multistream([
      // The file is opened here, not by pino in the background, so a command that fails at once
      // can still flush on exit ("sonic boom is not ready yet" otherwise).
      { level: level as pino.Level, stream: pino.destination({ dest: openSync(join(dir, 'tinykube.log'), 'a'), sync: false }) },
      { level: 'warn', stream: pino.destination(2) },
    ]),
  );
}

/** A component's own log: its lines go to `file` in klog's form (started afresh, as a
 *  process's log starts with the process) and on to `parent`, with the same bindings. */
export function componentLog(parent: Logger, file: string): { log: Logger; close: () => Promise<void> } {
  mkdirSync(dirname(file), { recursive: true });
  const out = pino.destination({ dest: openSync(file, 'w'), sync: false });
  const log = pino(
    {
      level: parent.level,
      base: undefined,
      hooks: {
        logMethod(args, method, level) {
          const to = parent.child(this.bindings());
          Reflect.apply(to[this.levels.labels[level] as pino.Level], to, args);
          method.apply(this, args);
        },
      },
    },
    { write: (line: string) => out.write(klogLine(JSON.parse(line) as Record<string, unknown>, process.pid)) },
  );
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      out.once('close', () => resolve());
      out.end();
    });
  return { log, close };
}
