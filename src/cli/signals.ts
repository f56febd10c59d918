// Commands run in the foreground until SIGINT (Ctrl-C) or SIGTERM.

export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
