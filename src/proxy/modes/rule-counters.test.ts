// The kernel modes' counter parsers on real output: a table rendered from a state is loaded
// into a network namespace made here (deleted afterwards) with known counts, listed back as the
// modes list it, parsed, and mapped onto the state's endpoints. Root, nft, iptables and ipset needed:
// skipped outside CI without them, failed under CI=true.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { requiresNetns } from '../../../test/support/requires.js';
import { service, slice } from '../../../test/proxy/objects.js';
import { TRACE_NODE, TRACE_POD_CIDR } from '../../../test/proxy/trace-cases.js';
import { NetnsExecer } from '../../util/execer.js';
import { stateFromObjects } from '../state/build-state.js';
import { endpointTraffic } from './rule-counters.js';
import { listCountersArgv, parseNftCounters } from './nftables/counters.js';
import { DEFAULT_TABLE, endpointBytesCounter, endpointCounter } from './nftables/names.js';
import { NFT_COUNTERS } from './nftables/nftables-mode.js';
import { IPTABLES_COUNTERS } from './iptables/iptables-mode.js';
import { renderNftables } from './nftables/render.js';
import { parseSepCounters, saveCounters } from './iptables/counters.js';
import { renderIptables } from './iptables/render.js';
import { endpointSetName, parseSetCounters, renderSetSync, stateElements } from './iptables/endpoint-set.js';
import { IPV4 } from '../state/family.js';

const netns = requiresNetns();
const NS = `tinykube-test-${randomBytes(4).toString('hex')}`;
const host = new NetnsExecer();
const inNs = new NetnsExecer(NS);

/** web (two endpoints, port 80) and dns (one endpoint, UDP and TCP 53). */
const state = () =>
  stateFromObjects(
    [
      service('web', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'] }),
      service('dns', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 }, { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 }] }),
    ],
    [slice('web', [{ ip: '10.244.1.5' }, { ip: '10.244.2.5', node: 'node-2' }]), slice('dns', [{ ip: '10.244.1.2' }], [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }])],
    TRACE_NODE,
  );

async function run(argv: string[], stdin?: string): Promise<string> {
  const r = await inNs.run(argv, stdin);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** What the endpoints counted, as `service endpoint → connections, bytes`. */
const byEndpoint = (traffic: { service: string; endpoint: string; connections: number; bytes?: number }[]): Record<string, number[]> =>
  Object.fromEntries(traffic.map((t) => [`${t.service} ${t.endpoint}`, [t.connections, t.bytes ?? -1]]));

/** Endpoints whose counters counted nothing are left out; the UDP DNS endpoint counted bytes only
 *  (its connection counter restarted, say). */
const EXPECTED = {
  'default/web:http/TCP 10.244.1.5:8080': [7, 7000],
  'default/dns:dns-tcp/TCP 10.244.1.2:53': [3, 0],
  'default/dns:dns/UDP 10.244.1.2:53': [0, 500],
};

describe('rule counters read back from the kernel', { skip: netns.skip }, () => {
  before(async () => {
    netns.check();
    const r = await host.run(['ip', 'netns', 'add', NS]);
    assert.equal(r.code, 0, `ip netns add ${NS}: ${r.stderr}`);
  });
  after(async () => {
    await host.run(['ip', 'netns', 'del', NS]);
  });

  it('nftables: `nft -j list counters` gives every endpoint its named counters (connections, bytes)', async () => {
    const s = state();
    const web = [...s.ports.values()].find((p) => p.service.name === 'web')!;
    const tcpDns = [...s.ports.values()].find((p) => p.service.portName === 'dns-tcp')!;
    // Counts set in the declarations, as if that many connections had been DNATed.
    const preset = (text: string, name: string, packets: number): string => text.replace(`counter ${name} {\n\t}`, `counter ${name} {\n\t\tpackets ${packets} bytes ${packets * 60}\n\t}`);
    let text = renderNftables(s, { podCIDR: TRACE_POD_CIDR });
    text = preset(text, endpointCounter(web.service, web.endpoints.find((e) => e.ip === '10.244.1.5')!), 7);
    text = preset(text, endpointCounter(tcpDns.service, tcpDns.endpoints[0]!), 3);
    const presetBytes = (name: string, bytes: number): string => (text = text.replace(`counter ${name} {\n\t}`, `counter ${name} {\n\t\tpackets 1 bytes ${bytes}\n\t}`));
    const udpDns = [...s.ports.values()].find((p) => p.service.portName === 'dns')!;
    presetBytes(endpointBytesCounter(web.endpoints.find((e) => e.ip === '10.244.1.5')!, 'TCP'), 7000);
    presetBytes(endpointBytesCounter(udpDns.endpoints[0]!, 'UDP'), 500);
    await run(['nft', '-f', '-'], text);
    const counts = parseNftCounters(await run(listCountersArgv(`ip ${DEFAULT_TABLE}`)));
    assert.equal(counts.size, 8); // 4 of connections, 4 of bytes
    assert.deepEqual(counts.get('bytes-10.244.1.5/tcp/8080'), { packets: 1, bytes: 7000 });
    assert.deepEqual(byEndpoint(endpointTraffic(s, NFT_COUNTERS, counts)), EXPECTED);
    await run(['nft', 'delete', 'table', 'ip', DEFAULT_TABLE]);
  });

  it('iptables: `iptables-save -c -t nat` gives each KUBE-SEP chain its DNAT rule count (connections), `ipset save` each endpoint element its bytes', async () => {
    const s = state();
    // iptables-restore --counters takes `[packets:bytes]` before a rule.
    const counted = new Map([['10.244.1.5:8080', 7], ['10.244.1.2:53 tcp', 3]]);
    const text = renderIptables(s, { podCIDR: TRACE_POD_CIDR })
      .split('\n')
      .map((l) => {
        const m = / -m (tcp|udp) -p \w+ -j DNAT --to-destination (\S+)$/.exec(l);
        const n = m && (counted.get(m[2]!) ?? counted.get(`${m[2]} ${m[1]}`));
        return n ? `[${n}:${n * 60}] ${l}` : l;
      })
      .join('\n');
    // The set first (the rules name it), its elements with counts as if bytes had passed.
    const bytes = new Map([['10.244.1.5,tcp:8080', 7000], ['10.244.1.2,udp:53', 500]]);
    const set = endpointSetName();
    const setText = renderSetSync(set, IPV4, new Set(), stateElements(s)).replace(/^(add \S+ (\S+))$/gm, (_, line: string, e: string) => `${line} packets 1 bytes ${bytes.get(e) ?? 0}`);
    await run(['ipset', 'restore', '-exist'], setText);
    await run(['iptables-restore', '--counters', '--noflush'], text);
    const counts = parseSepCounters(await run(saveCounters()));
    assert.equal(counts.size, 4);
    const elements = parseSetCounters(await run(['ipset', 'save', set]));
    assert.equal(elements.size, 4);
    assert.deepEqual(elements.get('10.244.1.5,tcp:8080'), { packets: 1, bytes: 7000 });
    for (const [e, c] of elements) counts.set(e, c);
    assert.deepEqual(byEndpoint(endpointTraffic(s, IPTABLES_COUNTERS, counts)), EXPECTED);
  });
});
