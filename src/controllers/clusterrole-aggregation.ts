// kube-controller-manager's clusterrole-aggregation controller: a ClusterRole with an
// aggregationRule gets as rules the union of the rules of the ClusterRoles its selectors match
// (in name order, each rule once), so `admin`, `edit` and `view` grow with every ClusterRole
// labelled aggregate-to-admin/edit/view.

import type { Logger } from 'pino';
import type { PolicyRule, Role } from '../apis/rbac/types.js';
import type { Client, ResourceId } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { matchesLabels, selectorFromLabelSelector } from '../util/labels.js';
import { logRetry } from './controller-ref.js';

const CLUSTER_ROLES: ResourceId = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };

/** The rules an aggregated role should hold, given every ClusterRole (pure). */
export function aggregatedRules(role: Role, all: Role[]): PolicyRule[] {
  const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []).map((s) => selectorFromLabelSelector(s));
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  const sources = all
    .filter((r) => r.metadata.name !== role.metadata.name && selectors.some((s) => matchesLabels(s, r.metadata.labels)))
    .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  for (const source of sources)
    for (const rule of source.rules ?? []) {
      const key = JSON.stringify(rule);
      if (!seen.has(key)) seen.add(key), rules.push(rule);
    }
  return rules;
}

export async function startClusterRoleAggregation(client: Client, log: Logger): Promise<{ stop(): void }> {
  const roles = new Informer<Role>(client, CLUSTER_ROLES);
  const queue = new WorkQueue(
    async (name) => {
      const role = roles.get(undefined, name);
      if (!role?.aggregationRule) return;
      const rules = aggregatedRules(role, roles.list());
      if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) return;
      await client.update(CLUSTER_ROLES, undefined, { ...role, rules });
    },
    { onError: logRetry(log, 'clusterrole', 'could not aggregate rules') },
  );
  // Any change may feed any aggregated role: look at all of them.
  const all = (): void => roles.list().forEach((r) => r.aggregationRule && queue.add(r.metadata.name!));
  roles.on({ add: all, update: all, delete: all });
  await roles.start();
  all();
  return {
    stop() {
      queue.stop();
      roles.stop();
    },
  };
}
