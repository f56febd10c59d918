// The rendered text against the real `nft`, inside a network namespace made for this test and
// deleted afterwards (the host's own tables are never touched). Needs root and nftables: it
// fails, not skips, without them.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { manyServices, withoutService, withService } from '../../../../test/proxy/many-services.js';
import { TRACE_CASES, TRACE_NODE, TRACE_POD_CIDR } from '../../../../test/proxy/trace-cases.js';
import { NetnsExecer } from '../../../util/execer.js';
import { affinitySet } from './names.js';
import { NftablesMode } from './nftables-mode.js';
import { renderNftables } from './render.js';
import { renderNftablesChange, TableSync } from './table-sync.js';
import { LOCAL_ENDPOINT, LOCAL_EXCHANGE_BYTES, localUdpEndpoint, localUdpState, queryLocal } from '../../../../test/proxy/local-udp-endpoint.js';

const NS = `tinykube-test-${randomBytes(4).toString('hex')}`;
const host = new NetnsExecer();
const inNs = new NetnsExecer(NS);
const OPTS = { podCIDR: TRACE_POD_CIDR };
const testdata = new URL('./testdata/', import.meta.url).pathname;
const goldens = fs.readdirSync(testdata).filter((f) => f.endsWith('.nft')).sort();

async function nft(args: string[], stdin?: string): Promise<string> {
  const r = await inNs.run(['nft', ...args], stdin);
  assert.equal(r.code, 0, `nft ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** A table's JSON listing without handles or table name: chains' rules in order, sets' elements sorted. */
async function listing(table: string): Promise<unknown> {
  const items = (JSON.parse(await nft(['-j', 'list', 'table', 'ip', table])) as { nftables: Record<string, Record<string, unknown>>[] }).nftables;
  const defs: Record<string, unknown> = {};
  const rules: Record<string, unknown[]> = {};
  for (const item of items) {
    const [kind, value] = Object.entries(item)[0]!;
    if (kind === 'metainfo' || kind === 'table') continue;
    const { handle: _h, table: _t, ...rest } = value;
    if (kind === 'rule') (rules[rest.chain as string] ??= []).push(rest.expr);
    else defs[`${kind} ${rest.name as string}`] = { ...rest, ...(rest.elem ? { elem: (rest.elem as unknown[]).map((e) => JSON.stringify(e)).sort() } : {}) };
  }
  return { defs, rules };
}

before(async () => {
  assert.equal(process.getuid?.(), 0, 'these tests need root: they create a network namespace for nft');
  const v = await host.run(['nft', '--version']);
  assert.equal(v.code, 0, `nft is missing (apt-get install -y nftables): ${v.stderr}`);
  const r = await host.run(['ip', 'netns', 'add', NS]);
  assert.equal(r.code, 0, `ip netns add ${NS}: ${r.stderr}`);
});

after(async () => {
  await host.run(['ip', 'netns', 'del', NS]);
});

describe('real nft in a fresh network namespace', () => {
  for (const f of goldens) {
    it(`golden ${f} passes nft --check and loads`, async () => {
      await nft(['--check', '-f', `${testdata}${f}`]);
      await nft(['-f', `${testdata}${f}`]);
      const family = /^add table (ip6?) /.exec(fs.readFileSync(`${testdata}${f}`, 'utf8'))![1]!;
      assert.match(await nft(['list', 'table', family, 'tinykube']), /chain services \{/);
    });
  }

  it('a change sync leaves the same table as a full sync, through every traced state', async () => {
    const states = TRACE_CASES.map((c) => c.state());
    await nft(['-f', '-'], renderNftables(states[0]!, OPTS));
    for (let k = 1; k < states.length; k++) {
      await nft(['-f', '-'], renderNftablesChange(states[k - 1]!, states[k]!, OPTS));
      await nft(['-f', '-'], renderNftables(states[k]!, { ...OPTS, table: 'expected' }));
      assert.deepEqual(await listing('tinykube'), await listing('expected'), `after ${TRACE_CASES[k]!.name}`);
    }
  });

  it('one-Service changes next to 300 Services leave the same table as a full sync', async () => {
    const table = new TableSync(OPTS);
    let state = manyServices(300, (i) => 1 + (i % 10), TRACE_NODE);
    await nft(['-f', '-'], table.full(state));
    const steps: [string, (s: typeof state) => typeof state][] = [
      ['add', (s) => withService(s, 300, 4)],
      ['endpoints', (s) => withService(s, 5, 2)],
      ['no endpoints', (s) => withService(s, 6, 0)],
      ['delete', (s) => withoutService(s, 7)],
    ];
    for (const [name, step] of steps) {
      state = step(state);
      await nft(['-f', '-'], table.change(state));
      await nft(['-f', '-'], renderNftables(state, { ...OPTS, table: 'expected' }));
      assert.deepEqual(await listing('tinykube'), await listing('expected'), `after ${name}`);
    }
  });

  it('NftablesMode: a UDP query to an endpoint on the node itself (over lo, output then input) counts each of its two packets once', async () => {
    const server = await localUdpEndpoint(NS);
    try {
      const mode = new NftablesMode(inNs, OPTS);
      await mode.apply(localUdpState());
      assert.equal(await queryLocal(inNs), 'local');
      // Counted in output, not again in input from lo.
      assert.equal((await mode.traffic()).find((t) => t.endpoint === `${LOCAL_ENDPOINT}:5353`)?.bytes, LOCAL_EXCHANGE_BYTES);
      await mode.stop();
    } finally {
      server.kill();
    }
  });

  it('NftablesMode: full then change syncs, affinity kept across a change, table removed on stop', async () => {
    const sticky = TRACE_CASES.find((c) => c.name.startsWith('ClientIP affinity'))!.state();
    const dns = TRACE_CASES.find((c) => c.name.startsWith('UDP service'))!.state();
    const both = { ...sticky, ports: new Map([...sticky.ports, ...dns.ports]) };
    const mode = new NftablesMode(inNs, OPTS);
    await mode.apply(sticky);
    const sp = [...sticky.ports.values()][0]!;
    const set = affinitySet(sp.service, sp.endpoints[0]!);
    await nft(['add', 'element', 'ip', 'tinykube', set, '{ 10.244.1.9 timeout 60s }']);
    await mode.apply(both);
    assert.equal(mode.fullSyncNeeded, false);
    assert.match(await nft(['list', 'table', 'ip', 'tinykube']), /10\.96\.0\.10 \. udp \. 53 : goto service-/);
    assert.match(await nft(['list', 'set', 'ip', 'tinykube', set]), /10\.244\.1\.9/, 'the remembered client survived the change sync');
    await mode.stop();
    assert.notEqual((await inNs.run(['nft', 'list', 'table', 'ip', 'tinykube'])).code, 0);
  });
});
