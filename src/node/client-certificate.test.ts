// The agent's stored identity: DATA_DIR/kubeconfig is re-used while it is this node's, of this
// CA and before 80% of its lifetime; otherwise the agent asks for a new one.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, issueClientCert } from '../api/tls.js';
import { renewalTime, storedCredential, writeNodeKubeconfig } from './client-certificate.js';

describe('the node credential in the data dir', () => {
  let dir: string;
  let ca: { cert: string; key: string };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tinykube-node-cred-'));
    ca = await createCa();
    writeNodeKubeconfig(dir, 'n1', 'https://127.0.0.1:6443', ca.cert, await issueClientCert(ca, 'system:node:n1', ['system:nodes']));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is re-used for its node and CA before its renewal time', async () => {
    const cred = await storedCredential(dir, 'n1', ca.cert, Date.now());
    assert.ok(cred?.cert.includes('BEGIN CERTIFICATE') && cred.key.includes('PRIVATE KEY'));
  });

  it('is not for another node, another CA, or past 80% of its lifetime', async () => {
    assert.equal(await storedCredential(dir, 'n2', ca.cert, Date.now()), undefined);
    assert.equal(await storedCredential(dir, 'n1', (await createCa()).cert, Date.now()), undefined);
    const cred = (await storedCredential(dir, 'n1', ca.cert, Date.now()))!;
    assert.equal(await storedCredential(dir, 'n1', ca.cert, renewalTime(cred.cert) + 1), undefined);
    assert.equal(await storedCredential(join(dir, 'none'), 'n1', ca.cert, Date.now()), undefined);
  });
});
