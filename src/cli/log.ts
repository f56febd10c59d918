// Logs: JSON lines (pino) into DATA_DIR/logs/tinykube.log; warnings and errors also on stderr,
// so the terminal running `up` stays readable.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

export function openLog(dataDir: string, level: string): Logger {
  const dir = join(dataDir, 'logs');
  mkdirSync(dir, { recursive: true });
  return pino(
    { level, base: undefined },
    pino.multistream([
      { level: level as pino.Level, stream: pino.destination({ dest: join(dir, 'tinykube.log'), sync: false, mkdir: true }) },
      { level: 'warn', stream: pino.destination(2) },
    ]),
  );
}
