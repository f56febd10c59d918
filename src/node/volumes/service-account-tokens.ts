// The bound tokens of pods' projected serviceAccountToken volumes, as kubelet's token manager
// keeps them: requested through TokenRequest, bound to the pod, and requested again once 80%
// of their life has passed.

import type { Pod } from '../../apis/core/pods.js';
import { R, type Client } from '../../client/client.js';
import type { Clock } from '../../util/clock.js';

interface Held {
  token: string;
  refreshAt: number;
}

const key = (uid: string, audience: string | undefined, expirationSeconds: number): string => `${uid}|${audience ?? ''}|${expirationSeconds}`;

export class PodTokens {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly client: Client,
    private readonly clock: Clock,
  ) {}

  /** Requests the tokens the pod's volumes need that are missing or due; true if any is new. */
  async ensure(pod: Pod): Promise<boolean> {
    let changed = false;
    const uid = pod.metadata.uid!;
    for (const v of pod.spec?.volumes ?? []) {
      for (const s of v.projected?.sources ?? []) {
        const t = s.serviceAccountToken;
        if (!t) continue;
        const exp = t.expirationSeconds ?? 3600;
        const k = key(uid, t.audience, exp);
        const now = this.clock.now();
        if ((this.held.get(k)?.refreshAt ?? 0) > now) continue;
        const answer = await this.client.create<{ metadata: object; status?: { token: string } }>(
          R.serviceAccounts,
          pod.metadata.namespace,
          {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            metadata: { name: pod.spec?.serviceAccountName ?? 'default' },
            spec: {
              ...(t.audience ? { audiences: [t.audience] } : {}),
              expirationSeconds: exp,
              boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid },
            },
          },
          { subresource: 'token' },
        );
        this.held.set(k, { token: answer.status!.token, refreshAt: now + exp * 800 });
        changed = true;
      }
    }
    return changed;
  }

  get(pod: Pod, audience: string | undefined, expirationSeconds: number): string | undefined {
    return this.held.get(key(pod.metadata.uid!, audience, expirationSeconds))?.token;
  }

  forget(uid: string): void {
    for (const k of this.held.keys()) if (k.startsWith(`${uid}|`)) this.held.delete(k);
  }
}
