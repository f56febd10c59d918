// Logs: JSON lines (pino) into DATA_DIR/logs/tinykube.log; warnings and errors also on stderr,
// so the terminal running `up` stays readable.

import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

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
