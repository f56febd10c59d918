import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrafficReport } from '../../proxy/traffic.js';
import { readTraffic, type TrafficSource } from './page-stream.js';

/** A source whose nodes fail with the given errors, in order, then answer. */
function source(failures: Record<string, string[]>): TrafficSource & { reads: Record<string, number> } {
  const reads: Record<string, number> = {};
  return {
    reads,
    nodeNames: async () => Object.keys(failures),
    report: async (node: string): Promise<TrafficReport> => {
      reads[node] = (reads[node] ?? 0) + 1;
      const error = failures[node]!.shift();
      if (error) throw new Error(error);
      return { node, mode: 'nftables', at: 1000, endpoints: [] };
    },
  };
}

test('a node read cut short is tried once more in the same tick; a refusal, a timeout or a second cut is reported', async () => {
  const cut = 'Get "https://172.20.0.13:10250/traffic": Premature close';
  const refused = 'Get "https://172.20.0.12:10250/traffic": dial tcp 172.20.0.12:10250: connect: connection refused';
  const s = source({ once: [cut], twice: [cut, cut], refused: [refused], fine: [] });
  const event = await readTraffic(s, new Map(), 1000);
  assert.deepEqual(
    event.nodes.map((n) => [n.node, n.mode ?? n.error]),
    [['once', 'nftables'], ['twice', cut], ['refused', refused], ['fine', 'nftables']],
  );
  assert.deepEqual(s.reads, { once: 2, twice: 2, refused: 1, fine: 1 });
});
