// The RBAC objects in memory, as kube-apiserver's RBAC authorizer reads them from informers:
// listed once, then kept current from a store watch (re-listed when the watch ends). Bindings
// are indexed by subject, so a request looks only at the bindings that name its user, its
// groups or its ServiceAccount.

import type { Store, WatchEvent, Watch } from '../../store/store.js';
import type { PolicyRule, Role, RoleBinding, Subject } from '../../apis/rbac/types.js';
import type { UserInfo } from './authenticate.js';

const PREFIXES = ['/registry/roles/', '/registry/clusterroles/', '/registry/rolebindings/', '/registry/clusterrolebindings/'];
const SA_PREFIX = 'system:serviceaccount:';

/** A binding's role and the subject that matched, for reasons (`RoleBinding "a/ns" of Role ...`). */
export interface RuleSource {
  binding: RoleBinding;
  subject: Subject;
  rules: PolicyRule[];
}

/** A binding as one of its subjects finds it. */
interface Entry {
  binding: RoleBinding;
  subject: Subject;
}

const subjectKey = (s: Subject, bindingNamespace: string | undefined): string | undefined => {
  if (s.kind === 'User' || s.kind === 'Group') return `${s.kind}:${s.name}`;
  const ns = s.namespace || bindingNamespace;
  return s.kind === 'ServiceAccount' && ns ? `${SA_PREFIX}${ns}:${s.name}` : undefined;
};

export class PolicyCache {
  private readonly roles = new Map<string, Role>();
  private readonly clusterRoles = new Map<string, Role>();
  /** `SUBJECT` (ClusterRoleBindings) or `NAMESPACE SUBJECT` (RoleBindings) → entries. */
  private readonly bySubject = new Map<string, Entry[]>();
  /** Binding store key → the index keys it is under. */
  private readonly indexKeys = new Map<string, string[]>();
  private watches: Watch[] = [];
  private stopped = false;

  constructor(private readonly store: Store) {}

  /** Lists everything, then follows changes. Resolves once the first list is in. */
  async start(): Promise<void> {
    const revision = await this.store.currentRevision();
    this.roles.clear();
    this.clusterRoles.clear();
    this.bySubject.clear();
    this.indexKeys.clear();
    for (const prefix of PREFIXES) {
      const { items } = await this.store.list(prefix, { revision });
      for (const kv of items) this.put(kv.key, JSON.parse(kv.value) as Role & RoleBinding);
    }
    this.watches = PREFIXES.map((prefix) =>
      this.store.watch(prefix, {
        afterRevision: revision,
        onEvents: (events) => events.forEach((e) => this.apply(e)),
        onError: () => this.restart(),
      }),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watches) w.cancel();
  }

  private restart(): void {
    if (this.stopped) return;
    for (const w of this.watches) w.cancel();
    this.start().catch(() => setTimeout(() => this.restart(), 1000).unref());
  }

  private apply(e: WatchEvent): void {
    if (e.type === 'delete') this.remove(e.kv.key);
    else this.put(e.kv.key, JSON.parse(e.kv.value) as Role & RoleBinding);
  }

  private put(key: string, obj: Role & RoleBinding): void {
    const ns = obj.metadata.namespace;
    if (key.startsWith(PREFIXES[0]!)) return void this.roles.set(`${ns}/${obj.metadata.name}`, obj);
    if (key.startsWith(PREFIXES[1]!)) return void this.clusterRoles.set(obj.metadata.name!, obj);
    this.remove(key);
    const keys: string[] = [];
    for (const subject of obj.subjects ?? []) {
      const k = subjectKey(subject, ns);
      if (!k) continue;
      const indexKey = ns ? `${ns} ${k}` : k;
      if (keys.includes(indexKey)) continue;
      keys.push(indexKey);
      (this.bySubject.get(indexKey) ?? this.bySubject.set(indexKey, []).get(indexKey)!).push({ binding: obj, subject });
    }
    this.indexKeys.set(key, keys);
  }

  private remove(key: string): void {
    const [, , resource, a, b] = key.split('/');
    if (resource === 'roles') return void this.roles.delete(`${a}/${b}`);
    if (resource === 'clusterroles') return void this.clusterRoles.delete(a!);
    const name = b ?? a;
    const namespace = b === undefined ? undefined : a;
    for (const k of this.indexKeys.get(key) ?? []) {
      const left = this.bySubject.get(k)!.filter((e) => e.binding.metadata.name !== name || e.binding.metadata.namespace !== namespace);
      if (left.length) this.bySubject.set(k, left);
      else this.bySubject.delete(k);
    }
    this.indexKeys.delete(key);
  }

  /** The rules a role reference resolves to; undefined when the role does not exist. */
  roleRules(kind: string, name: string, namespace: string | undefined): PolicyRule[] | undefined {
    const role = kind === 'ClusterRole' ? this.clusterRoles.get(name) : namespace ? this.roles.get(`${namespace}/${name}`) : undefined;
    return role ? (role.rules ?? []) : undefined;
  }

  /** Visits the rules bound to the user in this namespace (ClusterRoleBindings first, each
   *  binding once) until `visit` returns false, as DefaultRuleResolver.VisitRulesFor. */
  visitRulesFor(user: UserInfo, namespace: string | undefined, visit: (s: RuleSource) => boolean): void {
    const subjects = [`User:${user.username}`];
    for (const g of user.groups) subjects.push(`Group:${g}`);
    if (user.username.startsWith(SA_PREFIX)) subjects.push(user.username);
    const seen: RoleBinding[] = [];
    for (const prefix of namespace ? ['', `${namespace} `] : ['']) {
      for (const subject of subjects) {
        for (const { binding, subject: matched } of this.bySubject.get(prefix + subject) ?? []) {
          if (seen.includes(binding)) continue;
          seen.push(binding);
          const rules = this.roleRules(binding.roleRef.kind, binding.roleRef.name, binding.metadata.namespace);
          if (rules && !visit({ binding, subject: matched, rules })) return;
        }
      }
    }
  }
}
