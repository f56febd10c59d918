import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { agnhostPlan } from './agnhost.js';

describe('agnhostPlan', () => {
  const cases: { name: string; args: string[]; want: ReturnType<typeof agnhostPlan> }[] = [
    { name: 'no args: pause', args: [], want: { kind: 'pause', listeners: [] } },
    {
      name: 'netexec defaults',
      args: ['netexec'],
      want: { kind: 'netexec', listeners: [{ port: 8080, proto: 'http', required: true }, { port: 8081, proto: 'udp', required: true }] },
    },
    { name: 'netexec without UDP', args: ['netexec', '--http-port', '80', '--udp-port=-1'], want: { kind: 'netexec', listeners: [{ port: 80, proto: 'http', required: true }] } },
    { name: 'serve-hostname defaults to HTTP on 9376', args: ['serve-hostname'], want: { kind: 'serve-hostname', listeners: [{ port: 9376, proto: 'http', required: true }] } },
    {
      name: 'serve-hostname raw TCP and UDP',
      args: ['serve-hostname', '--tcp', '--udp', '--http=false', '--port', '9377'],
      want: { kind: 'serve-hostname', listeners: [{ port: 9377, proto: 'tcp', required: true }, { port: 9377, proto: 'udp', required: true }] },
    },
    { name: 'serve-hostname --udp alone', args: ['serve-hostname', '--udp'], want: { kind: 'serve-hostname', listeners: [{ port: 9376, proto: 'udp', required: true }] } },
    { name: 'a subcommand not built in', args: ['porter'], want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(agnhostPlan(c.args), c.want));
});
