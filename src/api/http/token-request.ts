// serviceaccounts/token (TokenRequest) and tokenreviews (TokenReview), authentication.k8s.io/v1:
// a bound token for a ServiceAccount, as `kubectl create token` and kubelets ask for one, and
// the check of a token, as other components ask for it. Neither is stored.

import type { KubeObject } from '../../apis/types.js';
import { errors, field, StatusError, type FieldError } from '../../util/status-errors.js';
import type { Rest } from '../rest/rest.js';
import type { Authenticator } from '../auth/authenticate.js';
import type { BoundObject, ServiceAccountJwt } from '../auth/service-account-jwt.js';
import { rfc3339 } from '../../util/time.js';
import { readBody, decodeBody, mediaType } from './body.js';
import { sendJson } from './respond.js';
import type { SubresourceHandler } from './resource-handler.js';

const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
const BOUND_RESOURCES: Record<string, string> = { Pod: 'pods', Secret: 'secrets', Node: 'nodes' };

export interface TokenRequest extends KubeObject {
  spec?: {
    audiences?: string[];
    expirationSeconds?: number;
    boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
  };
  status?: { token: string; expirationTimestamp: string };
}

export type RequestToken = (namespace: string, serviceAccount: string, request: TokenRequest) => Promise<TokenRequest>;

function validate(req: TokenRequest): FieldError[] {
  const exp = req.spec?.expirationSeconds;
  const ref = req.spec?.boundObjectRef;
  const errs: FieldError[] = [];
  if (exp !== undefined && exp < MIN_EXPIRATION_SECONDS) errs.push(field.invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes'));
  if (exp !== undefined && exp > MAX_EXPIRATION_SECONDS) errs.push(field.invalid('spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds'));
  if (ref && !BOUND_RESOURCES[ref.kind ?? '']) errs.push(field.notSupported('spec.boundObjectRef.kind', ref.kind ?? '', Object.keys(BOUND_RESOURCES)));
  return errs;
}

/** Issues a token (kube-apiserver's TokenRequest REST): the ServiceAccount must exist, and so
 *  must the object the token is bound to (with its uid, when given). */
export function tokenRequester(rest: Rest, jwt: ServiceAccountJwt): RequestToken {
  const lookup = (resource: string, namespace: string | undefined, name: string): Promise<KubeObject> =>
    rest.get(rest.registry.lookup('', 'v1', resource)!, namespace, name);
  return async (namespace, name, request) => {
    const sa = await lookup('serviceaccounts', namespace, name);
    const errs = validate(request);
    if (errs.length) throw errors.invalid('TokenRequest', 'authentication.k8s.io', name, errs);
    const ref = request.spec?.boundObjectRef;
    let bound: BoundObject | undefined;
    if (ref) {
      const kind = ref.kind as BoundObject['kind'];
      const obj = await lookup(BOUND_RESOURCES[kind], kind === 'Node' ? undefined : namespace, ref.name ?? '');
      if (ref.uid && ref.uid !== obj.metadata.uid)
        throw new StatusError(409, 'Conflict', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      bound = { kind, name: obj.metadata.name!, uid: obj.metadata.uid! };
    }
    const now = Math.floor(Date.now() / 1000);
    const expirationSeconds = request.spec?.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    const audiences = request.spec?.audiences?.length ? request.spec.audiences : [jwt.issuer];
    const token = jwt.sign({
      namespace,
      serviceAccount: { name, uid: sa.metadata.uid! },
      boundObject: bound,
      audiences,
      issuedAt: now,
      expiresAt: now + expirationSeconds,
    });
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: null },
      spec: { audiences, expirationSeconds, ...(ref ? { boundObjectRef: { ...ref, uid: bound!.uid } } : {}) },
      status: { token, expirationTimestamp: rfc3339(new Date((now + expirationSeconds) * 1000)) },
    };
  };
}

export function tokenRequestHandler(requestToken: RequestToken): SubresourceHandler {
  return async (req, res, info) => {
    if (info.verb !== 'create') throw errors.methodNotAllowed();
    const body = (decodeBody(await readBody(req), mediaType(req)) ?? {}) as TokenRequest;
    sendJson(res, 201, await requestToken(info.namespace!, info.name!, body));
  };
}

/** TokenReview: whether a token is valid, and whom it stands for. */
export async function reviewToken(authenticator: Authenticator, review: KubeObject): Promise<KubeObject> {
  const spec = (review.spec ?? {}) as { token?: string; audiences?: string[] };
  const user = spec.token ? await authenticator.reviewToken(spec.token, spec.audiences) : undefined;
  return {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: user
      ? { authenticated: true, user, audiences: spec.audiences?.length ? spec.audiences : undefined }
      : { user: {}, error: '[invalid bearer token, service account token could not be validated]' },
  };
}
