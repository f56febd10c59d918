// The command line that runs one of tinykube's own scripts in a child process. Built, this file is
// dist/util/script-argv.js and scripts are plain JS; under tsx (tests) it is
// src/util/script-argv.ts and scripts are TypeScript, so the child gets tsx's loader by absolute
// URL (found from here, whatever the child's working directory).

import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = fileURLToPath(import.meta.url);

/** `fromRoot`: the script's path under src/ or dist/, without extension. */
export function scriptArgv(fromRoot: string): string[] {
  const ts = extname(HERE) === '.ts';
  const script = join(dirname(HERE), '..', `${fromRoot}${ts ? '.ts' : '.js'}`);
  return ts ? [process.execPath, '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, script] : [process.execPath, script];
}
