// The PersistentVolume controller with k3s's local-path provisioner built in: gives claims that
// name no class the default one, binds claims to matching volumes, provisions a directory volume
// under the storage dir for claims of `local-path` (once the scheduler has picked the node of
// their first pod: WaitForFirstConsumer), and releases volumes whose claim is gone, deleting
// them and their directory when their reclaim policy is Delete.

import { mkdir, rm } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim } from '../apis/core/persistent-volumes.js';
import { defaultClass, type StorageClass } from '../apis/storage/storageclasses.js';
import { R } from '../client/client.js';
import { cacheKey, type Informer } from '../client/informer.js';
import { isConflict, isNotFound } from './controller-ref.js';
import { QueueController } from './queue-controller.js';
import {
  boundClaim,
  boundClaimStatus,
  LOCAL_PATH_CLASS,
  LOCAL_PATH_PROVISIONER,
  matchVolume,
  provisionVolume,
  SELECTED_NODE,
} from './volume-binding-decisions.js';
import type { ControllerContext } from './workloads-context.js';

export class PersistentVolumeController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly claims: Informer<PersistentVolumeClaim>,
    private readonly volumes: Informer<PersistentVolume>,
    private readonly classes: Informer<StorageClass>,
    private readonly storageDir: string,
  ) {
    super(ctx.log, { workers: 2, keyField: 'key', failure: 'volume binding failed; will retry' });
    const claim = (c: PersistentVolumeClaim): void => this.enqueueKey(`claim/${cacheKey(c)}`);
    const volume = (v: PersistentVolume): void => this.enqueueKey(`volume/${v.metadata.name}`);
    claims.on({ add: claim, update: (_o, c) => claim(c), delete: (c) => this.claimDeleted(c) });
    volumes.on({ add: volume, update: (_o, v) => volume(v), delete: () => undefined });
    classes.on({ add: () => this.all(), update: () => undefined, delete: () => undefined });
  }

  /** Starts working (informers synced); creates the `local-path` class k3s ships if absent. */
  override async start(): Promise<void> {
    if (!this.classes.get(undefined, LOCAL_PATH_CLASS.metadata.name!)) {
      try {
        await this.ctx.client.create(R.storageClasses, undefined, LOCAL_PATH_CLASS);
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    super.start();
  }

  protected override initialKeys(): string[] {
    return [...this.claims.list().map((c) => `claim/${cacheKey(c)}`), ...this.volumes.list().map((v) => `volume/${v.metadata.name}`)];
  }

  private all(): void {
    for (const key of this.initialKeys()) this.enqueueKey(key);
  }

  private claimDeleted(c: PersistentVolumeClaim): void {
    for (const v of this.volumes.list()) if (v.spec?.claimRef?.uid === c.metadata.uid) this.enqueueKey(`volume/${v.metadata.name}`);
  }

  protected async sync(key: string): Promise<void> {
    const [kind, ...rest] = key.split('/');
    if (kind === 'volume') return this.syncVolume(rest[0]);
    const claim = this.claims.get(rest[0], rest[1]);
    if (claim && !claim.metadata.deletionTimestamp) await this.syncClaim(claim);
  }

  private async syncClaim(claim: PersistentVolumeClaim): Promise<void> {
    const client = this.ctx.client;
    if (claim.spec?.storageClassName === undefined && !claim.spec?.volumeName) {
      // Retroactive default class assignment, as the PV controller does since 1.28.
      const sc = defaultClass(this.classes.list());
      if (sc) await client.update(R.persistentVolumeClaims, claim.metadata.namespace, { ...claim, spec: { ...claim.spec, storageClassName: sc.metadata.name } });
      return;
    }
    const pv = matchVolume(claim, this.volumes.list());
    if (pv) return this.bind(claim, pv);
    if (claim.status?.phase === 'Bound') {
      if (claim.spec?.volumeName && !this.volumes.get(undefined, claim.spec.volumeName))
        await this.setClaimStatus(claim, { ...claim.status, phase: 'Lost' });
      return;
    }
    const name = claim.spec?.storageClassName ?? '';
    const sc = this.classes.get(undefined, name);
    if (!sc) {
      if (name) this.ctx.events.record(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${name}" not found`);
      return;
    }
    if (sc.provisioner !== LOCAL_PATH_PROVISIONER) {
      this.ctx.events.record(claim, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
      return;
    }
    const node = claim.metadata.annotations?.[SELECTED_NODE];
    if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !node) {
      this.ctx.events.record(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    const volume = provisionVolume(claim, sc, this.storageDir, node);
    this.ctx.events.record(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${cacheKey(claim)}"`);
    await mkdir(volume.spec!.hostPath!.path, { recursive: true, mode: 0o777 });
    try {
      await client.create(R.persistentVolumes, undefined, volume);
      this.ctx.events.record(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${volume.metadata.name}`);
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }

  /** Both halves of a binding, each written only if not yet so (the next event continues). */
  private async bind(claim: PersistentVolumeClaim, pv: PersistentVolume): Promise<void> {
    const client = this.ctx.client;
    const ref = pv.spec?.claimRef;
    if (!ref?.uid) {
      const claimRef = { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion };
      pv = await client.update<PersistentVolume>(R.persistentVolumes, undefined, { ...pv, spec: { ...pv.spec, claimRef } });
    }
    if (pv.status?.phase !== 'Bound') pv = await client.update<PersistentVolume>(R.persistentVolumes, undefined, { ...pv, status: { phase: 'Bound' } }, { subresource: 'status' });
    if (claim.spec?.volumeName !== pv.metadata.name) claim = await client.update<PersistentVolumeClaim>(R.persistentVolumeClaims, claim.metadata.namespace, boundClaim(claim, pv));
    if (claim.status?.phase !== 'Bound') await this.setClaimStatus(claim, boundClaimStatus(pv));
  }

  private async setClaimStatus(claim: PersistentVolumeClaim, status: PersistentVolumeClaim['status']): Promise<void> {
    await this.ctx.client.update(R.persistentVolumeClaims, claim.metadata.namespace, { ...claim, status }, { subresource: 'status' });
  }

  /** Available without a claim; Released once its claim is gone, then reclaimed. */
  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.get(undefined, name);
    if (!pv || pv.metadata.deletionTimestamp) return;
    const ref = pv.spec?.claimRef;
    const claim = ref && this.claims.get(ref.namespace, ref.name!);
    if (!ref?.uid || (claim && claim.metadata.uid === ref.uid)) {
      if (!ref && pv.status?.phase !== 'Available') await this.setVolumePhase(pv, 'Available');
      if (claim) this.enqueueKey(`claim/${cacheKey(claim)}`);
      return;
    }
    if (pv.status?.phase !== 'Released') await this.setVolumePhase(pv, 'Released');
    if (pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    await this.removeDirectory(pv);
    try {
      await this.ctx.client.delete(R.persistentVolumes, undefined, name, { preconditions: { uid: pv.metadata.uid } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Only directories the provisioner made (under the storage dir) are ever removed. */
  private async removeDirectory(pv: PersistentVolume): Promise<void> {
    const path = pv.spec?.hostPath?.path;
    if (!path || pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'] !== LOCAL_PATH_PROVISIONER) return;
    if (!resolve(path).startsWith(resolve(this.storageDir) + sep)) return;
    await rm(path, { recursive: true, force: true });
  }

  private async setVolumePhase(pv: PersistentVolume, phase: string): Promise<void> {
    try {
      await this.ctx.client.update(R.persistentVolumes, undefined, { ...pv, status: { ...pv.status, phase } }, { subresource: 'status' });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}
