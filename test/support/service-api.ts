// Service writes through the REST layer's order of hooks (defaults → prepare → validate →
// allocate → store → release) on an in-memory store: enough to drive ClusterIP and NodePort
// allocation end to end without an API server.

import assert from 'node:assert/strict';
import { StatusError } from '../../src/util/status-errors.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import type { ApiConfig, WriteContext } from '../../src/apis/types.js';
import { services } from '../../src/apis/core/service/index.js';
import { SERVICES_PREFIX } from '../../src/apis/core/service/repair.js';
import type { Service, ServiceSpec } from '../../src/apis/core/service/types.js';

export const serviceConfig: ApiConfig = {
  serviceCIDR: '10.96.0.0/24',
  nodePortRange: { min: 30000, max: 32767 },
  advertiseAddress: '127.0.0.1',
  securePort: 6443,
};

/** The REST layer's order of hooks, enough to drive allocation end to end. */
export class ServiceApi {
  constructor(
    readonly store: Store,
    readonly cfg: ApiConfig = serviceConfig,
  ) {}

  ctx(dryRun = false): WriteContext {
    return { store: this.store, config: this.cfg, dryRun, now: new Date() };
  }

  async create(name: string, spec: Partial<ServiceSpec>, opts: { ns?: string; dryRun?: boolean } = {}): Promise<Service> {
    const ns = opts.ns ?? 'default';
    const s: Service = {
      metadata: { name, namespace: ns, uid: `uid-${ns}-${name}` },
      spec: { ports: [{ port: 80 }], selector: { app: name }, ...structuredClone(spec) },
    };
    services.defaults!(s);
    services.prepareForCreate!(s);
    assert.deepEqual(services.validate!(s), [], `${name} is valid`);
    const undo = await services.beforeCreate!(s, this.ctx(opts.dryRun));
    if (!opts.dryRun) {
      try {
        await this.store.create(SERVICES_PREFIX + `${ns}/${name}`, JSON.stringify(s));
      } catch (e) {
        if (undo) await undo();
        throw e;
      }
    }
    return s;
  }

  async get(name: string, ns = 'default'): Promise<Service> {
    return JSON.parse((await this.store.get(SERVICES_PREFIX + `${ns}/${name}`))!.value) as Service;
  }

  async update(name: string, change: (spec: ServiceSpec) => void): Promise<Service> {
    const key = SERVICES_PREFIX + `default/${name}`;
    const kv = (await this.store.get(key))!;
    const old = JSON.parse(kv.value) as Service;
    const s = structuredClone(old);
    change(s.spec);
    services.defaults!(s);
    services.prepareForUpdate!(s, old);
    assert.deepEqual(services.validate!(s, old), [], `${name} update is valid`);
    const undo = await services.beforeUpdate!(s, old, this.ctx());
    try {
      await this.store.update(key, JSON.stringify(s), kv.modRevision);
    } catch (e) {
      if (undo) await undo();
      throw e;
    }
    await services.afterUpdate!(s, old, this.ctx());
    return s;
  }

  async delete(name: string): Promise<void> {
    const kv = await this.store.delete(SERVICES_PREFIX + `default/${name}`);
    await services.afterDelete!(JSON.parse(kv.value) as Service, this.ctx());
  }

  async reserved(prefix: string): Promise<string[]> {
    return (await this.store.list(prefix)).items.map((kv) => kv.key.slice(prefix.length)).sort();
  }
}

export async function withServiceApi(fn: (api: ServiceApi) => Promise<void>, cfg?: ApiConfig): Promise<void> {
  const store = await openSqliteStore(':memory:', { groupCommit: true });
  try {
    await fn(new ServiceApi(store, cfg));
  } finally {
    await store.close();
  }
}

export async function rejectsWith(p: Promise<unknown>, code: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StatusError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    return true;
  });
}

