// The audit log file, rotated as kube-apiserver's lumberjack logger does: a write that would
// take the file past maxSize moves it aside as NAME-<UTC time>.EXT and starts a new one; old
// files beyond maxBackups (0: all kept) or older than maxAgeDays (0: any age) are removed.
// Writes are synchronous appends: a line is on disk before the response goes out.

import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface Rotation {
  maxSizeMB: number;
  maxBackups: number;
  maxAgeDays: number;
}

export interface LineSink {
  write(line: string): void;
  close(): void;
}

/** `-` is standard output, as for kube-apiserver. */
export function openAuditLog(path: string, rotation: Rotation, now: () => Date = () => new Date()): LineSink {
  if (path === '-') return { write: (line) => void process.stdout.write(line + '\n'), close: () => {} };
  return new RotatingFile(path, rotation, now);
}

class RotatingFile implements LineSink {
  private fd: number;
  private size: number;

  constructor(
    private readonly path: string,
    private readonly rotation: Rotation,
    private readonly now: () => Date,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  write(line: string): void {
    const bytes = Buffer.from(line + '\n');
    const max = this.rotation.maxSizeMB * 1024 * 1024;
    if (max > 0 && this.size > 0 && this.size + bytes.length > max) this.rotate();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    const ext = extname(this.path);
    const stem = basename(this.path, ext);
    const stamp = this.now().toISOString().replace(/:/g, '-').replace(/Z$/, '');
    renameSync(this.path, join(dirname(this.path), `${stem}-${stamp}${ext}`));
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
    this.prune(stem, ext);
  }

  private prune(stem: string, ext: string): void {
    const dir = dirname(this.path);
    const backups = readdirSync(dir)
      .filter((f) => f.startsWith(`${stem}-`) && f.endsWith(ext) && /^\d{4}-\d\d-\d\dT/.test(f.slice(stem.length + 1)))
      .sort()
      .reverse();
    const oldest = this.rotation.maxAgeDays > 0 ? this.now().getTime() - this.rotation.maxAgeDays * 86_400_000 : -Infinity;
    backups.forEach((f, i) => {
      const tooMany = this.rotation.maxBackups > 0 && i >= this.rotation.maxBackups;
      if (tooMany || rotatedAt(f.slice(stem.length + 1)) < oldest) rmSync(join(dir, f), { force: true });
    });
  }
}

/** When a backup was made, from its name (lumberjack ages backups by name, not mtime). */
function rotatedAt(stamp: string): number {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)(\.\d+)?/.exec(stamp);
  return m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}${m[5] ?? ''}Z`) : Infinity;
}
