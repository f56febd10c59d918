// A lifeline: a pipe from a parent to a child it starts, the child's end on fd 3 (stdio
// [..., ..., ..., 'pipe'] and lifelineEnv() in the child's environment). However the parent
// ends — stopped, crashed or SIGKILLed — the kernel closes its end and the child reads EOF:
// Linux's PR_SET_PDEATHSIG, which Node does not offer. The parent holds its end and never writes;
// closing it asks the child to stop.

import net from 'node:net';

const LIFELINE_FD = 3;
const LIFELINE_ENV = 'TINYKUBE_LIFELINE';

/** For the child's environment: it has a lifeline on fd 3. */
export const lifelineEnv = (): Record<string, string> => ({ [LIFELINE_ENV]: '1' });

/** In the child: resolves when the parent has gone or asked for a stop; undefined when this
 *  process was started without a lifeline. Taken once: what this process starts does not
 *  inherit the mark (its fd 3 is not theirs). */
export function takeLifeline(): Promise<void> | undefined {
  if (process.env[LIFELINE_ENV] !== '1') return undefined;
  delete process.env[LIFELINE_ENV];
  return new Promise((resolve) => {
    // A socket, not an fs stream: a thread blocked reading it would hang process.exit().
    const s = new net.Socket({ fd: LIFELINE_FD, readable: true, writable: false });
    s.unref();
    s.on('data', () => undefined);
    s.once('close', () => resolve());
    s.once('error', () => resolve());
  });
}
