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

const subjectKey = (s: Subject, bindingNamespace: string | undefined): string | undefined => {
  if (s.kind === 'User' || s.kind === 'Group') return `${s.kind}:${s.name}`;
  const ns = s.namespace || bindingNamespace;
  return s.kind === 'ServiceAccount' && ns ? `${SA_PREFIX}${ns}:${s.name}` : undefined;
};

export class PolicyCache {
  private readonly roles = new Map<string, Role>();
  private readonly clusterRoles = new Map<string, Role>();
  /** Binding key (its store key) → binding. */
  private readonly bindings = new Map<string, RoleBinding>();
  /** Subject key → store keys of the bindings naming it. */
  private readonly bySubject = new Map<string, Set<string>>();
  private watches: Watch[] = [];
  private stopped = false;

  constructor(private readonly store: Store) {}

  /** Lists everything, then follows changes. Resolves once the first list is in. */
  async start(): Promise<void> {
    const revision = await this.store.currentRevision();
    this.roles.clear();
    this.clusterRoles.clear();
    this.bindings.clear();
    this.bySubject.clear();
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
    if (key.startsWith(PREFIXES[0]!)) this.roles.set(`${ns}/${obj.metadata.name}`, obj);
    else if (key.startsWith(PREFIXES[1]!)) this.clusterRoles.set(obj.metadata.name!, obj);
    else {
      this.remove(key);
      this.bindings.set(key, obj);
      for (const s of obj.subjects ?? []) {
        const k = subjectKey(s, ns);
        if (k) (this.bySubject.get(k) ?? this.bySubject.set(k, new Set()).get(k)!).add(key);
      }
    }
  }

  private remove(key: string): void {
    const [, , resource, a, b] = key.split('/');
    if (resource === 'roles') this.roles.delete(`${a}/${b}`);
    else if (resource === 'clusterroles') this.clusterRoles.delete(a!);
    else {
      const old = this.bindings.get(key);
      this.bindings.delete(key);
      for (const s of old?.subjects ?? []) this.bySubject.get(subjectKey(s, old!.metadata.namespace) ?? '')?.delete(key);
    }
  }

  /** The rules a role reference resolves to; undefined when the role does not exist. */
  roleRules(kind: string, name: string, namespace: string | undefined): PolicyRule[] | undefined {
    const role = kind === 'ClusterRole' ? this.clusterRoles.get(name) : namespace ? this.roles.get(`${namespace}/${name}`) : undefined;
    return role ? (role.rules ?? []) : undefined;
  }

  clusterRole(name: string): Role | undefined {
    return this.clusterRoles.get(name);
  }

  /** Visits every rule bound to the user in this namespace (cluster bindings first) until
   *  `visit` returns false, as DefaultRuleResolver.VisitRulesFor. */
  visitRulesFor(user: UserInfo, namespace: string | undefined, visit: (s: RuleSource) => boolean): void {
    const keys = [`User:${user.username}`, ...user.groups.map((g) => `Group:${g}`)];
    if (user.username.startsWith(SA_PREFIX)) keys.push(user.username);
    const found = keys.flatMap((k) => [...(this.bySubject.get(k) ?? [])].map((bindingKey) => ({ k, bindingKey })));
    // ClusterRoleBindings, then the namespace's RoleBindings, each once.
    const seen = new Set<string>();
    for (const cluster of [true, false]) {
      for (const { k, bindingKey } of found) {
        if (seen.has(bindingKey) || bindingKey.startsWith('/registry/clusterrolebindings/') !== cluster) continue;
        const b = this.bindings.get(bindingKey)!;
        if (!cluster && (!namespace || b.metadata.namespace !== namespace)) continue;
        seen.add(bindingKey);
        const rules = this.roleRules(b.roleRef.kind, b.roleRef.name, b.metadata.namespace);
        const subject = (b.subjects ?? []).find((s) => subjectKey(s, b.metadata.namespace) === k)!;
        if (rules && !visit({ binding: b, subject, rules })) return;
      }
    }
  }
}
