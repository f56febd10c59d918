// CertificateSigningRequests (certificates.k8s.io/v1, cluster-scoped, `csr`): validation as
// pkg/apis/certificates/validation, the strategies of pkg/registry/certificates (the spec is
// immutable; /approval changes the conditions, /status the rest of the status; Approved and
// Denied stay once set), columns as kubectl's printer. Who asked (spec.username, groups, uid,
// extra) is set at admission from the requester (src/api/auth/certificate-admission.ts); the
// request's signature is checked before it is stored (beforeCreate: WebCrypto is async).

import { errors, field, type FieldError } from '../../util/status-errors.js';
import { humanDuration } from '../../util/duration.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import { rfc3339 } from '../../util/time.js';
import { CERTIFICATES_GROUP, LEGACY_UNKNOWN_SIGNER, hasCondition, pemOf, type CertificateSigningRequest, type CsrCondition } from './types.js';
import { parseRequest, verifyRequest } from './request.js';

/** certificates.KeyUsage values. */
export const KEY_USAGES = [
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment',
  'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing',
  'email protection', 's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing',
  'microsoft sgc', 'netscape sgc',
];

/** The shortest certificate a CSR may ask for (10 minutes). */
export const MIN_EXPIRATION_SECONDS = 600;
const APPROVAL_TYPES = ['Approved', 'Denied'];
const CONDITION_STATUSES = ['True', 'False', 'Unknown'];

/** ValidateSignerName: `domain/path`, the domain a DNS subdomain. */
function validateSignerName(path: string, name: string | undefined): FieldError[] {
  if (!name) return [field.required(path, '')];
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) return [field.invalid(path, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const domain = isDNS1123Subdomain(name.slice(0, slash)).map((m) => field.invalid(path, name, `validating domain component: ${m}`));
  if (domain.length) return domain;
  if (name.length > 571) return [field.tooLong(path, 571)];
  return name === LEGACY_UNKNOWN_SIGNER ? [field.invalid(path, name, 'the legacy signerName is not allowed via this API version')] : [];
}

function validateSpec(spec: CertificateSigningRequest['spec'] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec?.request) errs.push(field.required('spec.request', ''));
  else {
    const parsed = parseRequest(pemOf(spec.request));
    if (typeof parsed === 'string') errs.push(requestInvalid(parsed));
  }
  errs.push(...validateSignerName('spec.signerName', spec?.signerName));
  const usages = spec?.usages ?? [];
  if (!usages.length) errs.push(field.required('spec.usages', ''));
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    if (!KEY_USAGES.includes(u)) errs.push(field.notSupported(`spec.usages[${i}]`, u, KEY_USAGES));
    if (seen.has(u)) errs.push(field.duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  const seconds = spec?.expirationSeconds;
  if (seconds !== undefined && seconds !== null && seconds < MIN_EXPIRATION_SECONDS) {
    errs.push(field.invalid('spec.expirationSeconds', seconds, `may not specify a duration less than ${MIN_EXPIRATION_SECONDS} seconds (${MIN_EXPIRATION_SECONDS / 60} minutes)`));
  }
  return errs;
}

const requestInvalid = (why: string): FieldError => ({ type: 'FieldValueInvalid', field: 'spec.request', message: `Invalid value: []byte{...}: ${why}` });

function validateStatus(csr: CertificateSigningRequest, old: CertificateSigningRequest | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const conditions = csr.status?.conditions ?? [];
  const types = new Set<string>();
  conditions.forEach((c, i) => {
    const path = `status.conditions[${i}]`;
    if (!c.type) errs.push(field.required(`${path}.type`, ''));
    if (!CONDITION_STATUSES.includes(c.status)) errs.push(field.notSupported(`${path}.status`, c.status ?? '', CONDITION_STATUSES));
    if (['Approved', 'Denied', 'Failed'].includes(c.type) && types.has(c.type)) errs.push(field.duplicate(`${path}.type`, c.type));
    types.add(c.type);
  });
  if (hasCondition(csr, 'Approved') && hasCondition(csr, 'Denied')) {
    errs.push(field.invalid('status.conditions', 'Approved', 'Approved and Denied conditions are mutually exclusive'));
  }
  for (const t of APPROVAL_TYPES) {
    const had = (old?.status?.conditions ?? []).find((c) => c.type === t);
    const has = conditions.find((c) => c.type === t);
    if (had && !has) errs.push(field.forbidden('status.conditions', `updates may not remove a condition of type "${t}"`));
    else if (had && has && had.status !== has.status) errs.push(field.forbidden('status.conditions', `updates may not change the status of a condition of type "${t}"`));
  }
  const cert = csr.status?.certificate;
  if (cert) {
    if (!/^(\s*-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/.test(pemOf(cert))) {
      errs.push(field.invalid('status.certificate', '<certificate data>', 'must contain at least one CERTIFICATE PEM block and only CERTIFICATE PEM blocks'));
    } else if (!hasCondition(csr, 'Approved')) {
      errs.push(field.forbidden('status.certificate', 'certificate may only be set on an approved request'));
    }
  }
  const had = old?.status?.certificate;
  if (had && had !== cert) errs.push(field.forbidden('status.certificate', 'updates may not modify existing certificate content'));
  return errs;
}

/** The conditions' times: new or changed ones get now (populateConditionTimestamps). */
function stampConditions(csr: CertificateSigningRequest, old: CertificateSigningRequest | undefined, now: Date): void {
  for (const c of csr.status?.conditions ?? []) {
    const before = old?.status?.conditions?.find((o) => o.type === c.type);
    c.lastUpdateTime ||= rfc3339(now);
    if (!c.lastTransitionTime) c.lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : rfc3339(now);
  }
}

/** kubectl's CONDITION cell: Approved, Denied, Failed in condition order, `,Issued` with a
 *  certificate, Pending with neither. */
export function conditionCell(csr: CertificateSigningRequest): string {
  const states = (csr.status?.conditions ?? []).filter((c) => ['Approved', 'Denied', 'Failed'].includes(c.type) && c.status !== 'False').map((c) => c.type);
  const cell = states.length ? states.join(',') : 'Pending';
  return csr.status?.certificate ? `${cell},Issued` : cell;
}

export const certificateSigningRequests = defineResource<CertificateSigningRequest>({
  group: CERTIFICATES_GROUP,
  version: 'v1',
  kind: 'CertificateSigningRequest',
  resource: 'certificatesigningrequests',
  shortNames: ['csr'],
  namespaced: false,
  subresources: ['status', 'approval'],
  columns: [
    nameColumn(),
    ageColumn(),
    column('SignerName', 'Requested signer'),
    column('Requestor', 'Request approver'),
    column('RequestedDuration', 'Requested duration of validity of the issued certificate'),
    column('Condition', 'Status of the certificate signing request'),
  ],
  row: (csr, now) => [
    csr.metadata.name,
    age(csr, now),
    csr.spec?.signerName ?? '',
    csr.spec?.username ?? '',
    csr.spec?.expirationSeconds ? humanDuration(csr.spec.expirationSeconds * 1000) : '<none>',
    conditionCell(csr),
  ],
  selectableFields: (csr) => ({ 'spec.signerName': csr.spec?.signerName ?? '' }),
  prepareForCreate(csr) {
    delete csr.status;
  },
  prepareForUpdate(csr, old) {
    // The main resource changes metadata only.
    csr.spec = old.spec;
    if (old.status) csr.status = old.status;
    else delete csr.status;
  },
  prepareSubresource(sub, csr, old, now) {
    const conditions = csr.status?.conditions ?? [];
    if (sub === 'status') {
      // Approval is /approval's: the status keeps the Approved and Denied conditions it had.
      const kept = conditions.filter((c) => !APPROVAL_TYPES.includes(c.type));
      const approval: CsrCondition[] = (old.status?.conditions ?? []).filter((c) => APPROVAL_TYPES.includes(c.type));
      csr.status = { ...csr.status, conditions: [...approval, ...kept] };
    }
    if (!csr.status?.conditions?.length) delete csr.status?.conditions;
    stampConditions(csr, old, now);
  },
  validate: (csr, old) => [
    ...validateMeta(csr, old, { namespaced: false, validateName: (n) => (n.includes('/') || n.includes('%') ? ["may not contain '/' or '%'"] : []) }),
    ...(old ? [] : validateSpec(csr.spec)),
    ...validateStatus(csr, old),
  ],
  async beforeCreate(csr) {
    const parsed = parseRequest(pemOf(csr.spec.request));
    if (typeof parsed !== 'string' && !(await verifyRequest(parsed))) {
      throw errors.invalid('CertificateSigningRequest', CERTIFICATES_GROUP, csr.metadata.name ?? '', [requestInvalid('x509: the request is not signed by the key it carries')]);
    }
  },
});
