import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manyServices, withoutService, withService } from '../../../../test/proxy/many-services.js';
import { TRACE_NODE, TRACE_POD_CIDR } from '../../../../test/proxy/trace-cases.js';
import { FakeExecer, type ExecCall } from '../../../../test/support/fake-execer.js';
import { IptablesMode } from './iptables-mode.js';
import { sepChain } from './chain-names.js';
import { JUMP_RULES } from './render.js';
import { webState } from '../../../../test/proxy/iptables-golden-states.js';
import { BUILTIN_JUMPS } from '../../../../test/proxy/iptables-trace.js';
import { DS_NODE, DS_POD_CIDR6, slice6 } from '../../../../test/proxy/dual-stack-state.js';
import { service, slice } from '../../../../test/proxy/objects.js';
import { stateFromObjects } from '../../state/build-state.js';
import { IPV6 } from '../../state/family.js';

const KERNEL_NAT = '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-STALESTALESTALE - [0:0]\nCOMMIT\n';

/** The kernel as the fake shows it: iptables-save lists a stale chain, -C finds no jump, no endpoint set yet. */
const kernel = (failRestore: () => boolean) => (c: ExecCall) => {
  if (c.argv[0] === 'iptables-save') return { stdout: KERNEL_NAT };
  if (c.argv.join(' ') === 'ipset save tinykube-endpoints') return { code: 1, stderr: 'ipset v7.17: The set with the given name does not exist' };
  if (c.argv[0] === 'iptables-restore' && failRestore()) return { code: 2, stderr: 'iptables-restore: line 7 failed' };
  if (c.argv.includes('-C')) return { code: 1 };
  return {};
};

const kinds = (calls: ExecCall[]): string[] =>
  calls.map((c) => (c.argv[0] === 'iptables' ? `iptables ${c.argv.find((a) => ['-C', '-I', '-D'].includes(a))}` : c.argv[0]!));

describe('IptablesMode', () => {
  const state = webState({}, ['10.244.1.5']);
  const jumps = JUMP_RULES.length;

  it('a first sync reads the kernel, restores once with --noflush, then ensures the jumps', async () => {
    const exec = new FakeExecer(kernel(() => false));
    const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await mode.apply(state);
    assert.deepEqual(kinds(exec.calls), ['ipset', 'ipset', 'iptables-save', 'iptables-restore', ...Array(jumps).fill(['iptables -C', 'iptables -I']).flat()]);
    // The set the rules name exists before them.
    assert.deepEqual(exec.calls[1]!.argv, ['ipset', 'restore', '-exist']);
    assert.equal(exec.calls[1]!.stdin, 'create tinykube-endpoints hash:ip,port family inet maxelem 1048576 counters\nadd tinykube-endpoints 10.244.1.5,tcp:8080\n');
    const restore = exec.calls[3]!;
    assert.deepEqual(restore.argv, ['iptables-restore', '-w', '5', '--noflush']);
    assert.match(restore.stdin!, /^-X KUBE-SVC-STALESTALESTALE$/m);
    // Each jump inserted at the top: from empty builtin chains they build the tracer's, in order.
    const built: Record<string, Record<string, string[]>> = {};
    for (const { argv } of exec.calls.filter((c) => c.argv.includes('-I'))) {
      const [table, chain] = [argv[argv.indexOf('-t') + 1]!, argv[argv.indexOf('-I') + 1]!];
      assert.equal(argv[argv.indexOf('-I') + 2], '1', 'inserted at the top');
      const args = argv.slice(argv.indexOf('-I') + 3);
      const c = args.indexOf('comment');
      const rule = (c > 0 ? [...args.slice(0, c - 1), ...args.slice(c + 3)] : args).join(' ');
      ((built[table] ??= {})[chain] ??= []).unshift(rule);
    }
    assert.deepEqual(built, BUILTIN_JUMPS);
    assert.equal(mode.needsFullSync, false);
  });

  it('later syncs are one restore each, from what the last one left', async () => {
    const exec = new FakeExecer(kernel(() => false));
    const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await mode.apply(state);
    exec.calls.length = 0;
    await mode.apply(webState({}, []));
    assert.deepEqual(kinds(exec.calls), ['ipset', 'iptables-restore']);
    // The endpoint went away: its element and chains are deleted without asking the kernel.
    assert.match(exec.calls[0]!.stdin!, /^del tinykube-endpoints 10\.244\.1\.5,tcp:8080$/m);
    assert.match(exec.calls[1]!.stdin!, /^-X KUBE-SEP-/m);
    assert.match(exec.calls[1]!.stdin!, /^-X KUBE-SVC-/m);
  });

  it('a failed restore throws and the next sync is a full one', async () => {
    let fail = true;
    const exec = new FakeExecer(kernel(() => fail));
    const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await assert.rejects(mode.apply(state), /iptables-restore -w 5 --noflush failed \(exit 2\): iptables-restore: line 7 failed/);
    assert.equal(mode.needsFullSync, true);
    fail = false;
    exec.calls.length = 0;
    await mode.apply(state);
    assert.deepEqual(kinds(exec.calls).slice(0, 3), ['ipset', 'ipset', 'iptables-save']);
    assert.equal(mode.needsFullSync, false);
  });

  it('stop removes the jumps it finds, then every chain of ours', async () => {
    const exec = new FakeExecer((c) => (c.argv[0] === 'iptables-save' ? { stdout: KERNEL_NAT } : {}));
    const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await mode.stop();
    assert.deepEqual(kinds(exec.calls), [...Array(jumps).fill(['iptables -C', 'iptables -D']).flat(), 'iptables-save', 'iptables-restore', 'ipset']);
    // The set goes last, once no rule names it.
    assert.deepEqual(exec.calls.at(-1)!.argv, ['ipset', 'destroy', 'tinykube-endpoints']);
    const cleanup = exec.calls.at(-2)!.stdin!;
    for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-SVC-STALESTALESTALE']) assert.match(cleanup, new RegExp(`^-X ${chain}$`, 'm'));
    assert.doesNotMatch(cleanup, /-X PREROUTING/);
  });
});

describe('IptablesMode: partial syncs next to many Services', () => {
  const many = manyServices(200, (i) => 1 + (i % 5), TRACE_NODE);
  const cases: { name: string; next: () => typeof many; svc: string; has: RegExp[] }[] = [
    { name: 'a Service added', next: () => withService(many, 200, 3), svc: 'svc-200', has: [/^-I KUBE-SERVICES 1 -m comment --comment "default\/svc-200:http cluster IP"/m, /^:KUBE-SVC-/m] },
    { name: 'endpoints changed', next: () => withService(many, 7, 4), svc: 'svc-7', has: [/^:KUBE-SVC-/m, /--probability 0\.2500000000/] },
    { name: 'no endpoints any more', next: () => withService(many, 7, 0), svc: 'svc-7', has: [/^-D KUBE-SERVICES .*svc-7/m, /^-A KUBE-SERVICES .*has no endpoints.* -j REJECT$/m, /^-X KUBE-SVC-/m] },
    { name: 'a Service deleted', next: () => withoutService(many, 7), svc: 'svc-7', has: [/^-D KUBE-SERVICES .*svc-7/m, /^-X KUBE-SEP-/m] },
  ];
  for (const c of cases) {
    it(`${c.name}: one restore naming that Service only, KUBE-SERVICES not rewritten`, async () => {
      const exec = new FakeExecer(kernel(() => false));
      const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
      await mode.apply(many);
      exec.calls.length = 0;
      await mode.apply(c.next());
      assert.deepEqual(kinds(exec.calls), ['ipset', 'iptables-restore']);
      const text = exec.calls[1]!.stdin;
      for (const re of c.has) assert.match(text, re);
      assert.doesNotMatch(text, new RegExp(`svc-(?!${c.svc.slice(4)}\\b)\\d+`));
      assert.doesNotMatch(text, /^:KUBE-(SERVICES|NODEPORTS|EXTERNAL-SERVICES)/m);
      assert.ok(text.split('\n').length < 40, text);
    });
  }

  it('nothing changed: no restore at all', async () => {
    const exec = new FakeExecer(kernel(() => false));
    const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await mode.apply(many);
    exec.calls.length = 0;
    await mode.apply({ ...many, ports: new Map(many.ports) });
    assert.deepEqual(exec.calls, []);
  });

  it('new node addresses: a full sync', async () => {
    const exec = new FakeExecer(kernel(() => false));
    const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await mode.apply(many);
    exec.calls.length = 0;
    await mode.apply({ ...many, nodePortIPs: ['172.20.0.9'] });
    // The kernel's set is read again; it holds what it should (the fake's is empty): refilled.
    assert.deepEqual(kinds(exec.calls).slice(0, 3), ['ipset', 'ipset', 'iptables-save']);
    assert.match(exec.calls[3]!.stdin, /^:KUBE-SERVICES - \[0:0\]$/m);
  });
});

describe('IptablesMode for IPv6 (the ip6tables half of a dual-stack node)', () => {
  const dual = (v6: string[]) =>
    stateFromObjects(
      [service('a', { clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50', 'fd00:10:96::50'] })],
      [slice('a', [{ ip: '10.244.1.2' }]), slice6('a', v6.map((ip) => ({ ip })))],
      DS_NODE,
    );

  it('runs ip6tables-save/-restore, and a partial sync rewrites only what the IPv6 endpoints changed', async () => {
    const exec = new FakeExecer((c) => (c.argv.includes('-C') ? { code: 1 } : c.argv[0] === 'ip6tables-save' ? { stdout: '*nat\nCOMMIT\n' } : {}));
    const mode = new IptablesMode(exec, { podCIDR: DS_POD_CIDR6, family: IPV6 });
    await mode.apply(dual(['fd00:10:244:1::2', 'fd00:10:244:1::3']));
    assert.deepEqual([...new Set(exec.calls.map((c) => c.argv[0]))], ['ipset', 'ip6tables-save', 'ip6tables-restore', 'ip6tables']);
    assert.match(exec.calls[1]!.stdin!, /^create tinykube-endpoints6 hash:ip,port family inet6 .*\nadd tinykube-endpoints6 fd00:10:244:1::2,tcp:8080\nadd tinykube-endpoints6 fd00:10:244:1::3,tcp:8080\n$/);
    assert.doesNotMatch(exec.calls[3]!.stdin!, /10\.96\.0\.50|10\.244/);
    exec.calls.length = 0;
    await mode.apply(dual(['fd00:10:244:1::2']));
    assert.deepEqual(exec.calls.map((c) => c.argv[0]), ['ipset', 'ip6tables-restore']);
    assert.equal(exec.calls[0]!.stdin, 'create tinykube-endpoints6 hash:ip,port family inet6 maxelem 1048576 counters\ndel tinykube-endpoints6 fd00:10:244:1::3,tcp:8080\n');
    const text = exec.calls[1]!.stdin!;
    assert.match(text, /^-X KUBE-SEP-\w+$/m);
    assert.match(text, /-> \[fd00:10:244:1::2\]:8080" -j KUBE-SEP-\w+$/m);
    assert.doesNotMatch(text, /KUBE-NODEPORTS|10\.96/);
  });
});

describe('IptablesMode: byte counts in the endpoint set', () => {
  it('one endpoint added: an add for it alone, no flush, so the others keep their counts', async () => {
    const exec = new FakeExecer(kernel(() => false));
    const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await mode.apply(webState({}, ['10.244.1.5']));
    exec.calls.length = 0;
    await mode.apply(webState({}, ['10.244.1.5', '10.244.1.6']));
    assert.equal(exec.calls[0]!.stdin, 'create tinykube-endpoints hash:ip,port family inet maxelem 1048576 counters\nadd tinykube-endpoints 10.244.1.6,tcp:8080\n');
  });

  it('a full sync reads the kernel set and deletes only what the state lost', async () => {
    const exec = new FakeExecer((c) =>
      c.argv[0] === 'ipset' && c.argv[1] === 'save'
        ? { stdout: 'create tinykube-endpoints hash:ip,port family inet counters\nadd tinykube-endpoints 10.244.9.9,tcp:80 packets 1 bytes 60\nadd tinykube-endpoints 10.244.1.5,tcp:8080 packets 5 bytes 900\n' }
        : kernel(() => false)(c),
    );
    const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await mode.apply(webState({}, ['10.244.1.5']));
    assert.equal(exec.calls[1]!.stdin, 'create tinykube-endpoints hash:ip,port family inet maxelem 1048576 counters\ndel tinykube-endpoints 10.244.9.9,tcp:80\n');
  });

  it("traffic: connections from the SEP rules, bytes from the endpoint's element", async () => {
    const state = webState({}, ['10.244.1.5']);
    const sp = [...state.ports.values()][0]!;
    const sep = sepChain(sp.service, sp.endpoints[0]!);
    const exec = new FakeExecer((c) => {
      if (c.argv.join(' ') === 'iptables-save -c -t nat') return { stdout: `*nat\n[3:180] -A ${sep} -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080\nCOMMIT\n` };
      if (c.argv.join(' ') === 'ipset save tinykube-endpoints') return { stdout: 'add tinykube-endpoints 10.244.1.5,tcp:8080 packets 12 bytes 4321\n' };
      return kernel(() => false)(c);
    });
    const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR });
    await mode.apply(state);
    const got = await mode.traffic();
    assert.deepEqual(got.map((t) => [t.endpoint, t.connections, t.bytes]), [['10.244.1.5:8080', 3, 4321]]);
  });

  it('no ipset: said once, no rule names the set, connections only', async () => {
    const warnings: string[] = [];
    const exec = new FakeExecer((c) => (c.argv[0] === 'ipset' ? { code: 127, stderr: 'spawn ipset ENOENT' } : kernel(() => false)(c)));
    const mode = new IptablesMode(exec, { podCIDR: TRACE_POD_CIDR }, (m) => warnings.push(m));
    await mode.apply(webState({}, ['10.244.1.5']));
    await mode.apply(webState({}, ['10.244.1.5', '10.244.1.6']));
    mode.requestFullSync();
    await mode.apply(webState({}, ['10.244.1.5']));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /counts connections only, no bytes: .*spawn ipset ENOENT/);
    assert.equal(mode.countsBytes, false);
    assert.equal(exec.calls.filter((c) => c.argv[0] === 'ipset').length, 1);
    const full = exec.calls.find((c) => c.argv[0] === 'iptables-restore')!.stdin;
    assert.match(full, /^:KUBE-ENDPOINT-BYTES - \[0:0\]$/m);
    assert.doesNotMatch(full, /match-set/);
    for (const t of await mode.traffic()) assert.equal(t.bytes, undefined);
  });
});
