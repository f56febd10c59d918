// What the kernel modes' per-endpoint counters cost (root; rules applied only inside a throwaway
// `tkt-<random>` network namespace), at N Services × E endpoints, each figure beside its peer
// measured in the same run:
// - nftables, sync: a cold full sync with connection and byte counters, next to the same table
//   with connection counters only, and with none;
// - nftables, read (once a second per node while the live page is open): `nft -j list counters`
//   + parse + mapping onto the state, with byte counters and with connection counters only;
// - nftables, per packet: connections per second through a ClusterIP, inside the namespace over
//   its loopback (each connection ~10 packets, each counted on the way out and in), with the
//   byte counting in place and without;
// - iptables, read: `iptables-save -c -t nat` + parse + mapping, next to `iptables -L -v -x -n
//   -t nat` (the other listing with counts);
// - iptables with the endpoint ipset (bytes) and without it (connections only), through
//   IptablesMode (the one without answered "no ipset"): a cold full sync, one endpoint added
//   (a partial sync: the set's add, then the restore), a read (`iptables-save -c` + `ipset
//   save` + parse), and connections per second as for nftables (each packet matched against
//   the set in OUTPUT; INPUT skips lo).
// Medians over the rounds.
//
//   npx tsx bench/rule-counters.ts [--services 1000,10000] [--endpoints 2] [--rounds 5]

import { loadavg } from 'node:os';
import type { Execer } from '../src/util/execer.js';
import type { ProxyState } from '../src/proxy/state/types.js';
import { endpointTraffic } from '../src/proxy/modes/rule-counters.js';
import { listCountersArgv, parseNftCounters } from '../src/proxy/modes/nftables/counters.js';
import { DEFAULT_TABLE } from '../src/proxy/modes/nftables/names.js';
import { NFT_COUNTERS } from '../src/proxy/modes/nftables/nftables-mode.js';
import { renderNftables } from '../src/proxy/modes/nftables/render.js';
import { parseSepCounters, saveCounters } from '../src/proxy/modes/iptables/counters.js';
import { IPTABLES_COUNTERS, IptablesMode } from '../src/proxy/modes/iptables/iptables-mode.js';
import { withService } from '../test/proxy/many-services.js';
import { renderIptables } from '../src/proxy/modes/iptables/render.js';
import { TRACE_POD_CIDR } from '../test/proxy/trace-cases.js';
import { benchArgs, inThrowawayNetns, line, median, ms, scaleState, timed } from './support/kernel-sync.js';

const OPTS = { podCIDR: TRACE_POD_CIDR };

async function run(exec: Execer, argv: string[], stdin?: string): Promise<string> {
  const r = await exec.run(argv, stdin);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr.slice(0, 500)}`);
  return r.stdout;
}

async function rounds(n: number, f: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push((await timed(f))[1]);
  return median(times);
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

/** nftables text without the byte counting: its map, its counters and the rules using them. */
const withoutBytes = (table: string): string =>
  table
    .replace(/\tcounter bytes-\S+ \{\n\t\}\n/g, '')
    .replace(/\tmap endpoint-bytes \{\n(\t\t.*\n|\t\t\t.*\n)*\t\}\n/, '')
    .replace(/\t\t(iifname != "lo" )?ct status dnat .*\n/g, '');

/** Connections per second from a client to `vip`:80 and back, inside the namespace; one
 *  answering server on every address at 8080 (the endpoints are addresses on its loopback). */
const CONNECTIONS = 400;
const CLIENT = (vip: string): string => `
const net = require('net');
const server = net.createServer((s) => s.resume().on('end', () => s.end('ok'))).listen(8080, async () => {
  const payload = Buffer.alloc(512, 120);
  const t = process.hrtime.bigint();
  for (let i = 0; i < ${CONNECTIONS}; i++) {
    await new Promise((resolve, reject) => {
      const c = net.connect(80, '${vip}', () => c.end(payload));
      c.on('data', () => undefined).on('end', resolve).on('error', reject);
    });
  }
  console.log(${CONNECTIONS} / (Number(process.hrtime.bigint() - t) / 1e9));
  server.close();
});`;

async function connectionRate(exec: Execer, vip: string): Promise<number> {
  return Number(await run(exec, [process.execPath, '-e', CLIENT(vip)]));
}

/** The last service port's VIP and endpoints as addresses on the namespace's loopback. */
async function loopbackService(exec: Execer, state: ProxyState): Promise<string> {
  const last = [...state.ports.values()].at(-1)!;
  const vip = last.service.clusterIPs[0]!;
  await run(exec, ['ip', 'link', 'set', 'lo', 'up']);
  for (const ip of [vip, ...last.endpoints.map((e) => e.ip)]) await run(exec, ['ip', 'addr', 'add', `${ip}/32`, 'dev', 'lo']);
  return vip;
}

const { scales, rounds: n } = benchArgs();
console.log(`rule counters, load average ${loadavg()[0]!.toFixed(1)}, ${n} rounds`);
await inThrowawayNetns(async (exec) => {
  let vip: string | undefined;
  for (const s of scales) {
    const state = scaleState(s);
    if (vip) for (const a of (await run(exec, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'lo'])).matchAll(/inet (10\.\S+)/g)) await run(exec, ['ip', 'addr', 'del', a[1]!, 'dev', 'lo']);
    vip = await loopbackService(exec, state);
    console.log(`${s.services} Services × ${s.endpoints} endpoints`);

    const table = renderNftables(state, OPTS);
    const connOnly = withoutBytes(table);
    const none = connOnly.replace(/\tcounter \S+ \{\n\t\}\n/g, '').replace(/ counter name \S+/g, '');
    const apply = (text: string) => rounds(n, () => run(exec, ['nft', '-f', '-'], text));
    const [all, conns, bare] = [await apply(table), await apply(connOnly), await apply(none)];
    console.log(line('nftables full sync', [`connections + bytes ${ms(all)}`, `connections only ${ms(conns)} (${ratio(all, conns)})`, `no counters ${ms(bare)} (${ratio(all, bare)})`]));
    const read = (): Promise<number> => rounds(n, async () => endpointTraffic(state, NFT_COUNTERS, parseNftCounters(await run(exec, listCountersArgv(`ip ${DEFAULT_TABLE}`)))));
    await run(exec, ['nft', '-f', '-'], connOnly);
    const readConns = await read();
    const rateConns = median([await connectionRate(exec, vip), await connectionRate(exec, vip), await connectionRate(exec, vip)]);
    await run(exec, ['nft', '-f', '-'], table);
    const readAll = await read();
    const rateAll = median([await connectionRate(exec, vip), await connectionRate(exec, vip), await connectionRate(exec, vip)]);
    console.log(line('nftables read', [`list counters + parse, with bytes ${ms(readAll)}`, `connections only ${ms(readConns)}`, ratio(readAll, readConns)]));
    console.log(line('nftables per packet', [`${rateAll.toFixed(0)} conn/s counting bytes`, `${rateConns.toFixed(0)} without`, `${ratio(rateAll, rateConns)}`]));
    await run(exec, ['nft', 'delete', 'table', 'ip', DEFAULT_TABLE]);

    await run(exec, ['iptables-restore', '--noflush'], renderIptables(state, { ...OPTS, countBytes: false }));
    const save = await rounds(n, async () => endpointTraffic(state, IPTABLES_COUNTERS, parseSepCounters(await run(exec, saveCounters()))));
    const list = await rounds(n, () => run(exec, ['iptables', '-t', 'nat', '-L', '-v', '-x', '-n']));
    console.log(line('iptables read', [`iptables-save -c + parse ${ms(save)}`, `iptables -L -v -x ${ms(list)}`, ratio(save, list)]));
    await run(exec, ['iptables', '-t', 'nat', '-F']);

    // The same mode with the set and without (ipset answered as missing).
    const noIpset: Execer = { run: (argv, stdin) => (argv[0] === 'ipset' ? Promise.resolve({ code: 127, stdout: '', stderr: 'left out by the bench' }) : exec.run(argv, stdin)) };
    const at = vip;
    const variant = async (e: Execer) => {
      const cold: number[] = [];
      const addOne: number[] = [];
      let mode = new IptablesMode(e, OPTS);
      for (let i = 0; i < n; i++) {
        await mode.stop();
        mode = new IptablesMode(e, OPTS);
        cold.push((await timed(() => mode.apply(state)))[1]);
        addOne.push((await timed(() => mode.apply(withService(state, s.services + i, 1))))[1]);
        await mode.apply(state);
      }
      const read = await rounds(n, () => mode.traffic());
      const rate = median([await connectionRate(exec, at), await connectionRate(exec, at), await connectionRate(exec, at)]);
      await mode.stop();
      return { cold: median(cold), addOne: median(addOne), read, rate };
    };
    const withSet = await variant(exec);
    const without = await variant(noIpset);
    console.log(line('iptables full sync', [`with the set ${ms(withSet.cold)}`, `without ${ms(without.cold)}`, ratio(withSet.cold, without.cold)]));
    console.log(line('iptables add one endpoint', [`with the set ${ms(withSet.addOne)}`, `without ${ms(without.addOne)}`, ratio(withSet.addOne, without.addOne)]));
    console.log(line('iptables read', [`save + ipset save + parse ${ms(withSet.read)}`, `without the set ${ms(without.read)}`, ratio(withSet.read, without.read)]));
    console.log(line('iptables per packet', [`${withSet.rate.toFixed(0)} conn/s counting bytes`, `${without.rate.toFixed(0)} without`, ratio(withSet.rate, without.rate)]));
  }
});
