// CSR validation and strategies as kube-apiserver's, on the generic REST flow: field errors,
// the signature check, the spec kept on update, /approval changing only conditions, /status
// keeping them, and kubectl's CONDITION cell.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { startTestApi, type TestApi } from '../../../test/support/api.js';
import { StatusError } from '../../util/status-errors.js';
import type { CertificateSigningRequest } from './types.js';
import { conditionCell } from './certificatesigningrequests.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function request(subject = 'CN=jane, O=dev'): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  return (await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: ALG })).toString('pem');
}

/** The same request with one byte of its signature changed. */
function tampered(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 1] ^= 1;
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
}

describe('CertificateSigningRequests', () => {
  let api: TestApi;
  let pem: string;
  const r = () => api.rest.registry.lookup('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
  const csr = (name: string, spec: Partial<CertificateSigningRequest['spec']> = {}): CertificateSigningRequest => ({
    metadata: { name },
    spec: { request: b64(pem), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], ...spec },
  });
  const causes = async (obj: CertificateSigningRequest): Promise<string[]> => {
    try {
      await api.rest.create(r(), undefined, obj);
      return [];
    } catch (e) {
      assert.ok(e instanceof StatusError && e.code === 422, String(e));
      return (e.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
    }
  };
  before(async () => {
    api = await startTestApi();
    pem = await request();
  });
  after(() => api.close());

  const cases: [string, Partial<CertificateSigningRequest['spec']>, string[]][] = [
    ['valid', {}, []],
    ['no request', { request: '' }, ['spec.request: Required value']],
    ['not PEM', { request: b64('hello') }, ['spec.request: Invalid value: []byte{...}: PEM block type must be CERTIFICATE REQUEST']],
    ['a certificate, not a request', { request: b64('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n') }, ['spec.request: Invalid value: []byte{...}: PEM block type must be CERTIFICATE REQUEST']],
    ['no signer', { signerName: '' }, ['spec.signerName: Required value']],
    ['signer without a path', { signerName: 'example.com' }, ["spec.signerName: Invalid value: \"example.com\": must be a fully qualified domain and path of the form 'example.com/signer-name'"]],
    ['legacy signer', { signerName: 'kubernetes.io/legacy-unknown' }, ['spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version']],
    ['no usages', { usages: [] }, ['spec.usages: Required value']],
    ['unknown and repeated usages', { usages: ['client auth', 'bogus', 'client auth'] }, [
      'spec.usages[1]: Unsupported value: "bogus": supported values: "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing", "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc"',
      'spec.usages[2]: Duplicate value: "client auth"',
    ]],
    ['too short', { expirationSeconds: 599 }, ['spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)']],
  ];
  cases.forEach(([name, spec, want], i) => it(name, async () => assert.deepEqual(await causes(csr(`c${i}`, spec)), want)));

  it('a request whose signature does not verify is refused', async () => {
    assert.deepEqual(await causes(csr('forged', { request: b64(tampered(pem)) })), ['spec.request: Invalid value: []byte{...}: x509: the request is not signed by the key it carries']);
  });

  it('the spec is immutable, /approval changes conditions only, /status keeps them, a certificate stays', async () => {
    const created = (await api.rest.create(r(), undefined, { ...csr('flow'), status: { certificate: b64('x') } })) as CertificateSigningRequest;
    assert.equal(created.status, undefined, 'status is not set on create');
    const u = (await api.rest.update(r(), undefined, 'flow', { ...created, spec: { ...created.spec, signerName: 'example.com/other' } })) as CertificateSigningRequest;
    assert.equal(u.spec.signerName, 'kubernetes.io/kube-apiserver-client');
    const approved = (await api.rest.update(r(), undefined, 'flow', { ...u, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] } }, { subresource: 'approval' })) as CertificateSigningRequest;
    assert.equal(conditionCell(approved), 'Approved');
    assert.ok(approved.status?.conditions?.[0]?.lastUpdateTime, 'conditions get their times');
    const cert = b64('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const issued = (await api.rest.update(r(), undefined, 'flow', { ...approved, status: { certificate: cert } }, { subresource: 'status' })) as CertificateSigningRequest;
    assert.equal(conditionCell(issued), 'Approved,Issued', '/status kept the Approved condition');
    await assert.rejects(
      api.rest.update(r(), undefined, 'flow', { ...issued, status: { ...issued.status, certificate: b64('-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n') } }, { subresource: 'status' }),
      /status.certificate: Forbidden: updates may not modify existing certificate content/,
    );
    await assert.rejects(
      api.rest.update(r(), undefined, 'flow', { ...issued, status: { conditions: [{ type: 'Denied', status: 'True' }] } }, { subresource: 'approval' }),
      /updates may not remove a condition of type "Approved"/,
    );
  });

  it('a certificate only on an approved request; Approved and Denied exclude each other', async () => {
    const c = await api.rest.create(r(), undefined, csr('pending'));
    await assert.rejects(
      api.rest.update(r(), undefined, 'pending', { ...c, status: { certificate: b64('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n') } }, { subresource: 'status' }),
      /certificate may only be set on an approved request/,
    );
    await assert.rejects(
      api.rest.update(r(), undefined, 'pending', { ...c, status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] } }, { subresource: 'approval' }),
      /Approved and Denied conditions are mutually exclusive/,
    );
  });

  it("kubectl's CONDITION cell", () => {
    const at = (conditions: { type: string; status: string }[], certificate?: string) => conditionCell({ metadata: {}, spec: csr('x').spec, status: { conditions, certificate } });
    assert.equal(at([]), 'Pending');
    assert.equal(at([{ type: 'Denied', status: 'True' }]), 'Denied');
    assert.equal(at([{ type: 'Approved', status: 'True' }, { type: 'Failed', status: 'True' }]), 'Approved,Failed');
    assert.equal(at([{ type: 'Approved', status: 'True' }], 'x'), 'Approved,Issued');
  });
});
