import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { endpointSlices, type EndpointSlice } from './endpointslices.js';

const NOW = new Date('2024-01-01T00:10:00Z');
const msgs = (s: EndpointSlice, old?: EndpointSlice): string[] => endpointSlices.validate!(s, old).map((e) => `${e.field}: ${e.message}`);

function slice(over: Partial<EndpointSlice> = {}): EndpointSlice {
  return {
    metadata: { name: 'webapp-abc12', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.0.11'], conditions: { ready: true } }, { addresses: ['10.244.0.12'] }],
    ports: [{ port: 8080 }],
    ...over,
  };
}

describe('endpointslices', () => {
  it('defaults port name and protocol (kubectl describe needs the name)', () => {
    const s = slice();
    endpointSlices.defaults!(s);
    assert.deepEqual(s.ports, [{ name: '', port: 8080, protocol: 'TCP' }]);
  });

  const rows: { name: string; slice: EndpointSlice; want: unknown[] }[] = [
    { name: 'simple', slice: slice(), want: ['webapp-abc12', 'IPv4', '8080', '10.244.0.11,10.244.0.12', '10m'] },
    { name: 'no ports or endpoints', slice: slice({ ports: null, endpoints: [] }), want: ['webapp-abc12', 'IPv4', '<unset>', '<unset>', '10m'] },
    {
      name: 'many',
      slice: slice({
        ports: [{ port: 80 }, { port: 443 }, { name: 'x' }, {}, { port: 9 }],
        endpoints: [{ addresses: ['1.1.1.1', '1.1.1.2'] }, { addresses: ['1.1.1.3', '1.1.1.4'] }],
      }),
      want: ['webapp-abc12', 'IPv4', '80,443,x + 2 more...', '1.1.1.1,1.1.1.2,1.1.1.3 + 1 more...', '10m'],
    },
  ];
  for (const c of rows) it(`prints: ${c.name}`, () => assert.deepEqual(endpointSlices.row(c.slice, NOW), c.want));

  const prepared = (over: Partial<EndpointSlice>): EndpointSlice => {
    const s = slice(over);
    endpointSlices.defaults!(s);
    return s;
  };
  const cases: { name: string; slice: EndpointSlice; want: string[] }[] = [
    { name: 'valid', slice: prepared({}), want: [] },
    { name: 'loopback addresses are allowed (tinykube pods)', slice: prepared({ endpoints: [{ addresses: ['127.244.0.3'] }] }), want: [] },
    {
      name: 'bad address type',
      slice: prepared({ addressType: 'IPX' as never }),
      want: ['addressType: Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"'],
    },
    {
      name: 'address not of the type',
      slice: prepared({ endpoints: [{ addresses: ['fd00::1'] }] }),
      want: ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address'],
    },
    { name: 'no addresses', slice: prepared({ endpoints: [{ addresses: [] }] }), want: ['endpoints[0].addresses: Required value: must contain at least 1 address'] },
    {
      name: 'too many addresses',
      slice: prepared({ endpoints: [{ addresses: Array.from({ length: 101 }, (_, i) => `10.0.0.${i}`) }] }),
      want: ['endpoints[0].addresses: Too many: 101: must have at most 100 items'],
    },
    {
      name: 'too many endpoints',
      slice: prepared({ endpoints: Array.from({ length: 1001 }, () => ({ addresses: ['10.0.0.1'] })) }),
      want: ['endpoints: Too many: 1001: must have at most 1000 items'],
    },
    {
      name: 'ports: duplicate names and bad protocol',
      slice: prepared({ ports: [{ port: 80 }, { port: 81, protocol: 'ICMP' }] }),
      want: ['ports[1].name: Duplicate value: ""', 'ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
    },
    { name: 'FQDN', slice: prepared({ addressType: 'FQDN', endpoints: [{ addresses: ['example.com'] }] }), want: [] },
    {
      name: 'FQDN with one label',
      slice: prepared({ addressType: 'FQDN', endpoints: [{ addresses: ['example'] }] }),
      want: ['endpoints[0].addresses[0]: Invalid value: "example": should be a domain with at least two segments separated by dots'],
    },
  ];
  for (const c of cases) it(`validates: ${c.name}`, () => assert.deepEqual(msgs(c.slice), c.want));

  it('addressType is immutable', () => {
    const old = prepared({});
    const s = prepared({ addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'] }] });
    assert.deepEqual(msgs(s, old), ['addressType: Invalid value: "IPv6": field is immutable']);
  });
  it('tracks generation', () => assert.equal(endpointSlices.tracksGeneration, true));
});
