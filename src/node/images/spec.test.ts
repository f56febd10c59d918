import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverEnv, type BuiltinSpec } from './spec.js';

describe('serverEnv: what of a container environment its server in the image host gets', () => {
  const env = { POD_NAME: 'web-1', POD_NAMESPACE: 'demo', POD_IP: '10.244.1.5', HOSTNAME: 'web-1', PATH: '/bin', WEB_SERVICE_HOST: '10.96.0.7', POSTGRES_PASSWORD: 'pw' };
  const spec = (kind: BuiltinSpec['kind']): BuiltinSpec => ({ kind, host: '10.244.1.5', listeners: [] });

  it('all of it for the servers that run commands with it or read settings from it', () => {
    assert.deepEqual(serverEnv(spec('netexec'), env), env);
    assert.deepEqual(serverEnv(spec('postgres'), env), env);
  });

  it("only the pod's identity for the others: thousands of Service variables stay out", () => {
    assert.deepEqual(serverEnv(spec('myapp'), env), { POD_NAME: 'web-1', HOSTNAME: 'web-1', POD_NAMESPACE: 'demo', POD_IP: '10.244.1.5' });
    assert.deepEqual(serverEnv(spec('nginx'), { HOSTNAME: 'n' }), { HOSTNAME: 'n' });
  });
});
