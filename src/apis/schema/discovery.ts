// k8s.io/api/discovery/v1: EndpointSlice.

import { atomicList, bool, f, inPackage, int32, mapOf, ptr, setList, str } from './dsl.js';
import { ObjectReference } from './core.js';
import { ObjectMeta } from './meta.js';

const discovery = inPackage('io.k8s.api.discovery.v1');

const EndpointHints = discovery('EndpointHints', {
  forZones: f(1, atomicList(discovery('ForZone', { name: f(1, str) }))),
  forNodes: f(2, atomicList(discovery('ForNode', { name: f(1, str) }))),
});

const Endpoint = discovery('Endpoint', {
  addresses: f(1, setList(str)),
  conditions: f(
    2,
    discovery('EndpointConditions', { ready: ptr(1, bool), serving: ptr(2, bool), terminating: ptr(3, bool) }),
  ),
  hostname: ptr(3, str),
  targetRef: f(4, ObjectReference),
  deprecatedTopology: f(5, mapOf(str)),
  nodeName: ptr(6, str),
  zone: ptr(7, str),
  hints: f(8, EndpointHints),
});

const EndpointPort = discovery(
  'EndpointPort',
  { name: ptr(1, str), protocol: ptr(2, str), port: ptr(3, int32), appProtocol: ptr(4, str) },
  true,
);

export const EndpointSlice = discovery('EndpointSlice', {
  metadata: f(1, ObjectMeta),
  addressType: f(4, str),
  endpoints: f(2, atomicList(Endpoint)),
  ports: f(3, atomicList(EndpointPort)),
});
