// Probe results as kubelet's prober keeps them: a result flips only after successThreshold
// successes or failureThreshold failures in a row. Before the first flip each kind holds its
// initial value — readiness fails (not ready until proven), liveness succeeds (alive until
// proven dead), startup is unknown.

export type ProbeKind = 'readiness' | 'liveness' | 'startup';
export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ProbeState {
  result: ProbeResult;
  successes: number;
  failures: number;
}

const INITIAL_RESULT: Record<ProbeKind, ProbeResult> = { readiness: 'failure', liveness: 'success', startup: 'unknown' };

export function initialState(kind: ProbeKind): ProbeState {
  return { result: INITIAL_RESULT[kind], successes: 0, failures: 0 };
}

export function observe(s: ProbeState, ok: boolean, successThreshold: number, failureThreshold: number): ProbeState {
  const successes = ok ? s.successes + 1 : 0;
  const failures = ok ? 0 : s.failures + 1;
  let result = s.result;
  if (ok && successes >= successThreshold) result = 'success';
  if (!ok && failures >= failureThreshold) result = 'failure';
  return { result, successes, failures };
}

/** The Event reason and wording kubelet uses for a failed probe. */
export function unhealthyMessage(kind: ProbeKind, output: string): string {
  return `${kind[0].toUpperCase()}${kind.slice(1)} probe failed: ${output}`;
}
