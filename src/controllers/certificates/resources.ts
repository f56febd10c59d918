import type { ResourceId } from '../../client/client.js';

export const CSRS: ResourceId = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };
