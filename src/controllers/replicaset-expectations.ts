// Expectations (controller_utils.go ControllerExpectations/UIDTrackingControllerExpectations):
// after a controller asks for N creations and some deletions, it does not act on that owner
// again until its informer has seen them, so a burst of events cannot create too many pods.
// Expectations expire, so a lost event delays a controller, never stops it.

const TTL_MS = 5 * 60_000;

interface Expectation {
  adds: number;
  deletes: Set<string>;
  at: number;
}

export class Expectations {
  private readonly byOwner = new Map<string, Expectation>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** True when the owner may be synced: nothing outstanding, never set, or expired. */
  satisfied(owner: string): boolean {
    const e = this.byOwner.get(owner);
    if (!e) return true;
    return (e.adds <= 0 && e.deletes.size === 0) || this.now().getTime() - e.at > TTL_MS;
  }

  expect(owner: string, adds: number, deletes: string[]): void {
    this.byOwner.set(owner, { adds, deletes: new Set(deletes), at: this.now().getTime() });
  }

  creationObserved(owner: string): void {
    const e = this.byOwner.get(owner);
    if (e) e.adds--;
  }

  /** A creation that failed will never be observed. */
  creationSkipped(owner: string, n = 1): void {
    const e = this.byOwner.get(owner);
    if (e) e.adds -= n;
  }

  deletionObserved(owner: string, podKey: string): void {
    this.byOwner.get(owner)?.deletes.delete(podKey);
  }

  forget(owner: string): void {
    this.byOwner.delete(owner);
  }
}
