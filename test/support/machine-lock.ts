// The machine-wide lock of e2e clusters and benchmarks (they share host loopback addresses and
// ports): one holder at a time, first come first served.
//
// The mutex is the lock file PATH holding its owner's pid. In front of it is a queue of tickets,
// PATH.queue/NNNN… (each holding its pid): a newcomer's ticket is numbered after every ticket
// present, and only the first live ticket may take the lock file. So a bench that releases and
// at once re-takes the lock queues behind those already waiting, instead of winning every race
// against their polls. A ticket or lock file whose pid is gone is removed by whoever sees it.
// Files are written whole under another name and linked into place, so no one reads one empty
// (and takes it for a dead holder's).

import { linkSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive } from './processes.js';

const POLL_MS = 200;
const TICKET = /^\d{16}$/;

export class MachineLock {
  private readonly queue: string;

  constructor(readonly path: string) {
    this.queue = `${path}.queue`;
  }

  async acquire(): Promise<void> {
    const mine = `${this.path}.${process.pid}`;
    writeFileSync(mine, String(process.pid));
    try {
      let ticket = this.ownTicket() ?? this.takeTicket(mine);
      for (;;) {
        const live = this.liveTickets();
        if (!live.some((t) => t.name === ticket)) ticket = this.takeTicket(mine);
        else if (live[0]!.name === ticket && this.takeLockFile(mine)) return;
        await sleep(POLL_MS);
      }
    } finally {
      rmSync(mine, { force: true });
    }
  }

  release(): void {
    try {
      if (Number(readFileSync(this.path, 'utf8')) === process.pid) rmSync(this.path, { force: true });
    } catch {
      // Not held.
    }
    for (const t of this.tickets()) if (t.pid === process.pid) rmSync(join(this.queue, t.name), { force: true });
  }

  /** A ticket after every one present (and not before the clock, so a ticket freed meanwhile is
   *  not handed out again to jump the queue). */
  private takeTicket(mine: string): string {
    mkdirSync(this.queue, { recursive: true });
    for (;;) {
      const last = this.tickets().at(-1);
      const name = String(Math.max(Date.now(), last ? Number(last.name) + 1 : 0)).padStart(16, '0');
      try {
        linkSync(mine, join(this.queue, name));
        return name;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }

  private ownTicket(): string | undefined {
    return this.tickets().find((t) => t.pid === process.pid)?.name;
  }

  /** The queue in order, without (and removing) the tickets of dead processes. */
  private liveTickets(): { name: string; pid: number }[] {
    return this.tickets().filter((t) => {
      if (alive(t.pid)) return true;
      rmSync(join(this.queue, t.name), { force: true });
      return false;
    });
  }

  private tickets(): { name: string; pid: number }[] {
    let names: string[];
    try {
      names = readdirSync(this.queue).filter((n) => TICKET.test(n)).sort();
    } catch {
      return [];
    }
    return names.flatMap((name) => {
      try {
        return [{ name, pid: Number(readFileSync(join(this.queue, name), 'utf8')) }];
      } catch {
        return []; // Released meanwhile.
      }
    });
  }

  /** Whether this process now holds the lock file; a dead owner's is taken over. */
  private takeLockFile(mine: string): boolean {
    for (;;) {
      try {
        linkSync(mine, this.path);
        return true;
      } catch {
        let owner: number;
        try {
          owner = Number(readFileSync(this.path, 'utf8'));
        } catch {
          continue; // Released meanwhile.
        }
        if (owner === process.pid) return true;
        if (alive(owner)) return false;
        rmSync(this.path, { force: true });
      }
    }
  }
}
