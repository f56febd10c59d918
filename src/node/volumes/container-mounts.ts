// A container's volumeMounts as paths on this node (subPath inside its volume).

import { join } from 'node:path';
import type { Container } from '../../apis/core/pod-template.js';
import type { ContainerMount } from '../runtime/mount-script.js';

export function containerMounts(container: Container, volumePaths: Map<string, string> | undefined): ContainerMount[] {
  return (container.volumeMounts ?? []).flatMap((m) => {
    const source = volumePaths?.get(m.name ?? '');
    if (!source || !m.mountPath) return [];
    return [{ mountPath: m.mountPath, source: m.subPath ? join(source, m.subPath) : source, readOnly: m.readOnly === true }];
  });
}
