// The certificate controllers' decisions on real x509 requests: what the signer issues (subject,
// key, usages, lifetime) or refuses, what the approver approves and for whom, and when the
// cleaner removes a CSR.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createCa } from '../../api/tls.js';
import type { CertificateSigningRequest, CsrCondition } from '../../apis/certificates/types.js';
import { signCsr } from './signer.js';
import { approval, type MayCreate } from './approver.js';
import { cleanupReason } from './cleaner.js';
import { SIGNING_DURATION_SECONDS } from './signer-rules.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';
const CLIENT = 'kubernetes.io/kube-apiserver-client';
const APPROVED: CsrCondition = { type: 'Approved', status: 'True' };

async function requestPem(subject: string, sans: x509.JsonGeneralName[] = []): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const extensions = sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : [];
  return (await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: ALG, extensions })).toString('pem');
}

const csr = (pem: string, spec: Partial<CertificateSigningRequest['spec']> = {}, conditions: CsrCondition[] = []): CertificateSigningRequest => ({
  metadata: { name: 'c', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { request: Buffer.from(pem).toString('base64'), signerName: KUBELET, usages: ['digital signature', 'client auth'], username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'], ...spec },
  status: { conditions },
});

describe('csrsigning', () => {
  let ca: { cert: string; key: string };
  let node: string;
  before(async () => {
    ca = await createCa();
    node = await requestPem('CN=system:node:n1, O=system:nodes');
  });
  const now = new Date('2026-06-01T00:00:00Z');

  it('issues an approved kubelet client request: its subject and key, client auth, a year from five minutes ago', async () => {
    const issue = await signCsr(csr(node, {}, [APPROVED]), ca, now);
    assert.ok(issue && 'certificate' in issue);
    const cert = new x509.X509Certificate(issue.certificate);
    assert.equal(cert.subject, 'CN=system:node:n1, O=system:nodes');
    assert.equal(cert.notBefore.getTime(), now.getTime() - 5 * 60_000);
    assert.equal(cert.notAfter.getTime(), now.getTime() + SIGNING_DURATION_SECONDS * 1000);
    assert.deepEqual([...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])], [x509.ExtendedKeyUsage.clientAuth]);
    assert.ok(await cert.verify({ publicKey: new x509.X509Certificate(ca.cert).publicKey, signatureOnly: true }), 'signed by the CA');
    const req = new x509.Pkcs10CertificateRequest(node);
    assert.deepEqual(Buffer.from(cert.publicKey.rawData), Buffer.from(req.publicKey.rawData), "the request's key");
  });

  it('honours expirationSeconds, at least ten minutes', async () => {
    for (const [asked, want] of [[3600, 3600], [60, 600]] as const) {
      const issue = await signCsr(csr(node, { expirationSeconds: asked }, [APPROVED]), ca, now);
      assert.ok(issue && 'certificate' in issue);
      assert.equal(new x509.X509Certificate(issue.certificate).notAfter.getTime(), now.getTime() + want * 1000);
    }
  });

  const refusals: [string, () => Promise<CertificateSigningRequest>, string][] = [
    ['not O=system:nodes', async () => csr(await requestPem('CN=system:node:n1, O=admins'), {}, [APPROVED]), 'subject organization is not system:nodes'],
    ['a CN not system:node:', async () => csr(await requestPem('CN=n1, O=system:nodes'), {}, [APPROVED]), 'subject common name does not begin with system:node:'],
    ['a DNS name', async () => csr(await requestPem('CN=system:node:n1, O=system:nodes', [{ type: 'dns', value: 'n1' }]), {}, [APPROVED]), 'dnsNames subjectAltName content is not allowed'],
    ['server auth', async () => csr(node, { usages: ['server auth', 'client auth'] }, [APPROVED]), 'invalid usage for client certificate: server auth'],
    ['no client auth (apiserver client)', async () => csr(node, { signerName: CLIENT, usages: ['digital signature'] }, [APPROVED]), 'missing required usage for client certificate: client auth'],
  ];
  for (const [name, make, why] of refusals) it(`fails a request with ${name}`, async () => assert.deepEqual(await signCsr(await make(), ca, now), { failed: why }));

  it('leaves alone what is not approved, issued already, failed, or another signer\'s', async () => {
    assert.equal(await signCsr(csr(node), ca, now), undefined);
    assert.equal(await signCsr({ ...csr(node, {}, [APPROVED]), status: { conditions: [APPROVED], certificate: 'eA==' } }, ca, now), undefined);
    assert.equal(await signCsr(csr(node, {}, [APPROVED, { type: 'Failed', status: 'True' }]), ca, now), undefined);
    assert.equal(await signCsr(csr(node, { signerName: 'example.com/mine' }, [APPROVED]), ca, now), undefined);
  });
});

describe('csrapproving', () => {
  let node: string;
  before(async () => {
    node = await requestPem('CN=system:node:n1, O=system:nodes');
  });
  /** The access review: which subresources the CSR's user may create. */
  const may = (...allowed: string[]): MayCreate => async (_csr, sub) => allowed.includes(sub);

  it('approves a bootstrapper allowed nodeclient, and a node renewing itself allowed selfnodeclient', async () => {
    assert.equal((await approval(csr(node), may('nodeclient')))?.message, 'Auto approving kubelet client certificate after SubjectAccessReview.');
    const renewal = csr(node, { username: 'system:node:n1', groups: ['system:nodes'] });
    assert.equal((await approval(renewal, may('selfnodeclient')))?.message, 'Auto approving self kubelet client certificate after SubjectAccessReview.');
    assert.equal((await approval(renewal, may('nodeclient')))?.reason, 'AutoApproved');
  });

  it('approves nothing else: no right, another node renewing, another signer, a bad subject, decided already', async () => {
    assert.equal(await approval(csr(node), may()), undefined);
    assert.equal(await approval(csr(node, { username: 'system:node:n2', groups: ['system:nodes'] }), may('selfnodeclient')), undefined);
    assert.equal(await approval(csr(node, { signerName: CLIENT }), may('nodeclient', 'selfnodeclient')), undefined);
    assert.equal(await approval(csr(await requestPem('CN=system:node:n1, O=system:masters')), may('nodeclient')), undefined);
    assert.equal(await approval(csr(node, {}, [{ type: 'Denied', status: 'True' }]), may('nodeclient')), undefined);
  });
});

describe('csrcleaner', () => {
  const at = (iso: string) => Date.parse(iso);
  const cases: [string, CsrCondition[], string, string | undefined][] = [
    ['pending for a day', [], '2026-01-02T00:00:01Z', 'pending for more than a day'],
    ['pending for less', [], '2026-01-01T23:00:00Z', undefined],
    ['approved over an hour ago', [{ type: 'Approved', status: 'True', lastUpdateTime: '2026-01-01T00:00:00Z' }], '2026-01-01T01:00:01Z', 'approved more than an hour ago'],
    ['approved just now', [{ type: 'Approved', status: 'True', lastUpdateTime: '2026-01-01T00:30:00Z' }], '2026-01-01T01:00:01Z', undefined],
    ['denied over an hour ago', [{ type: 'Denied', status: 'True', lastUpdateTime: '2026-01-01T00:00:00Z' }], '2026-01-01T01:00:01Z', 'denied more than an hour ago'],
  ];
  for (const [name, conditions, now, want] of cases) it(name, () => assert.equal(cleanupReason(csr('x', {}, conditions), at(now)), want));
});
