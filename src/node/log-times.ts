// When each byte of a container log was written. The kernel appends a container's output to its
// log file with no agent in between, so lines carry no times; beside each `<run>.log` a watcher
// keeps `<run>.log.times`, one `SIZE MS` line whenever the file has grown ("by MS the file held
// SIZE bytes"). A line's time is the first record that covers its first byte: it is late by at
// most the watcher's batching (RECORD_EVERY_MS), never early. That serves `timestamps`,
// `sinceSeconds` and `sinceTime` as the kubelet does from CRI log lines.

import { appendFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Growth seen within this long is recorded once (a chatty container costs one stat per batch). */
const RECORD_EVERY_MS = 10;

export const timesPath = (logPath: string): string => `${logPath}.times`;

/** Appends a `SIZE MS` record when `size()` has grown: at once on flush(), else at most every
 *  RECORD_EVERY_MS after grew(). */
function timesRecorder(logPath: string, size: () => number | undefined, now: () => number): { grew(): void; flush(): void } {
  let recorded = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    const s = size();
    if (s === undefined || s <= recorded) return;
    recorded = s;
    appendFileSync(timesPath(logPath), `${s} ${now()}\n`);
  };
  return {
    grew: () => void (timer ??= setTimeout(flush, RECORD_EVERY_MS)),
    flush,
  };
}

/** Records the growth of a log file until stop(), which records the last of it. */
export function watchLogTimes(logPath: string, now: () => number = Date.now): { stop(): void } {
  const times = timesRecorder(
    logPath,
    () => {
      try {
        return statSync(logPath).size;
      } catch {
        return undefined;
      }
    },
    now,
  );
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(logPath, times.grew);
    watcher.on('error', () => watcher?.close());
  } catch {
    // No inotify here: lines get the time they are read at.
  }
  times.flush();
  return {
    stop() {
      watcher?.close();
      times.flush();
    },
  };
}

/** The times of a log whose writer tells each write (the image host writes its containers' logs
 *  itself: no watcher, and none that could miss a file not created yet). `size`: the file's
 *  size when the writer opened it. */
export function writtenLogTimes(logPath: string, size: number, now: () => number = Date.now): { wrote(bytes: number): void; stop(): void } {
  const times = timesRecorder(logPath, () => size, now);
  return {
    wrote(bytes) {
      size += bytes;
      times.grew();
    },
    stop: times.flush,
  };
}

/** The times of one log file, read as it grows. */
export class LogTimes {
  private sizes: number[] = [];
  private times: number[] = [];
  private read = 0;

  constructor(private readonly logPath: string) {}

  /** Reads the records written since the last refresh. */
  async refresh(): Promise<void> {
    const text = await readFile(timesPath(this.logPath), 'utf8').catch(() => '');
    const fresh = text.slice(this.read);
    const complete = fresh.slice(0, fresh.lastIndexOf('\n') + 1);
    this.read += complete.length;
    for (const line of complete.split('\n')) {
      const [size, ms] = line.split(' ').map(Number);
      if (Number.isFinite(size) && Number.isFinite(ms)) {
        this.sizes.push(size!);
        this.times.push(ms!);
      }
    }
  }

  /** When the byte at offset was written; `fallback` when no record covers it yet. */
  at(offset: number, fallback: number): number {
    let lo = 0;
    let hi = this.sizes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sizes[mid]! > offset) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.sizes.length ? this.times[lo]! : fallback;
  }
}

/** Go's RFC3339Nano, as the kubelet prefixes lines: trailing zeros of the fraction dropped. */
export function formatLogTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}
