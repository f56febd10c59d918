// Runs the deletions planConntrackCleanup() asks for with the conntrack tool (Debian package
// `conntrack`). A failure is logged, never fatal: the rules are in place, a stale UDP flow only
// lasts until its entry times out.

import type { Logger } from 'pino';
import type { Execer } from '../../util/execer.js';
import { conntrackArgs, familyOf, matchesEntry, parseConntrackList, type ConntrackDeletion, type ConntrackEntry } from './plan.js';

/** conntrack's answer when a filter matched nothing (exit code 1): not an error. */
const NOTHING_DELETED = '0 flow entries have been deleted';
/** Above this many deletions one listing first is cheaper than a process per filter. */
const LIST_FIRST_ABOVE = 8;

export class ConntrackCleaner {
  private missingLogged = false;

  constructor(private readonly exec: Execer, private readonly log: Logger) {}

  /** Resolves once every deletion ran; returns how many entries were deleted. */
  async delete(deletions: ConntrackDeletion[]): Promise<number> {
    let deleted = 0;
    // A first sync finds every UDP service newly active: list once and run only the filters
    // that match an entry (usually a handful) instead of one conntrack per frontend.
    if (deletions.length > LIST_FIRST_ABOVE) deletions = await this.matching(deletions);
    for (const d of deletions) {
      const argv = conntrackArgs(d);
      const r = await this.exec.run(argv);
      const count = /(\d+) flow entries have been deleted/.exec(r.stderr);
      if (r.code === 0 || (r.code === 1 && r.stderr.includes(NOTHING_DELETED))) {
        deleted += Number(count?.[1] ?? 0);
      } else if (r.code === 127) {
        if (!this.missingLogged) this.log.error({ err: r.stderr.trim() }, 'conntrack not found: stale UDP flows are not cleared (apt-get install conntrack)');
        this.missingLogged = true;
        return deleted;
      } else {
        this.log.warn({ argv, code: r.code, stderr: r.stderr.trim() }, 'failed to clear conntrack entries');
      }
    }
    return deleted;
  }

  /** The deletions that match a listed entry; all of them when the listing fails. */
  private async matching(deletions: ConntrackDeletion[]): Promise<ConntrackDeletion[]> {
    const listed: ConntrackEntry[] = [];
    for (const f of new Set(deletions.map(familyOf))) {
      const r = await this.exec.run(['conntrack', '-L', '-f', f, '-p', 'udp']);
      if (r.code !== 0) return deletions;
      listed.push(...parseConntrackList(r.stdout));
    }
    return deletions.filter((d) => listed.some((e) => matchesEntry(d, e)));
  }
}
