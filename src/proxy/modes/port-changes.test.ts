import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manyServices, withoutService, withService } from '../../../test/proxy/many-services.js';
import { PortRenderings } from './port-changes.js';
import { TRACE_NODE } from '../../../test/proxy/trace-cases.js';

describe('PortRenderings', () => {
  const base = manyServices(50, () => 2, TRACE_NODE);
  const setup = () => {
    const rendered: string[] = [];
    const ports = new PortRenderings((sp) => (rendered.push(sp.service.name), `${sp.service.name}:${sp.endpoints.length}`));
    ports.all(base);
    rendered.length = 0;
    return { ports, rendered };
  };

  it('finds an added, a changed and a removed port, rendering only those', () => {
    const { ports, rendered } = setup();
    const next = withoutService(withService(withService(base, 50, 1), 3, 5), 7);
    assert.deepEqual(ports.changes(next), [
      { before: 'svc-3:2', after: 'svc-3:5' },
      { before: undefined, after: 'svc-50:1' },
      { before: 'svc-7:2' },
    ]);
    assert.deepEqual(rendered.sort(), ['svc-3', 'svc-50']);
    assert.deepEqual(ports.changes(next), [], 'remembered: nothing changed since');
  });

  it('the same content in new objects is rendered again (and compared by the mode)', () => {
    const { ports } = setup();
    assert.deepEqual(ports.changes(withService(base, 3, 2)), [{ before: 'svc-3:2', after: 'svc-3:2' }]);
  });

  it('new node addresses: no changes given, the next all() renders every port again', () => {
    const { ports, rendered } = setup();
    const moved = { ...base, nodePortIPs: ['172.20.0.9'] };
    assert.equal(ports.changes(moved), undefined);
    assert.equal(ports.all(moved).length, 50);
    assert.equal(rendered.length, 50);
  });

  it('all() reuses unchanged ports', () => {
    const { ports, rendered } = setup();
    ports.all(withService(base, 3, 5));
    assert.deepEqual(rendered, ['svc-3']);
  });
});
