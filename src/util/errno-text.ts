// Go's words for the errno of a failed dial or read, as kube-apiserver and kubelet print them.

/** How Go words the errno of a failed dial or read. */
const SYSCALL_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset by peer',
};

/** `connect: connection refused`, `read: connection reset by peer`: Go's words for an errno
 *  (the error's own message when it has none). */
export function errnoText(e: NodeJS.ErrnoException): string {
  const why = SYSCALL_TEXT[e.code ?? ''];
  return why ? `${e.syscall === 'connect' ? 'connect' : 'read'}: ${why}` : e.message;
}

/** Whether Go has words for this error's errno. */
export function hasErrnoText(e: NodeJS.ErrnoException): boolean {
  return SYSCALL_TEXT[e.code ?? ''] !== undefined;
}
