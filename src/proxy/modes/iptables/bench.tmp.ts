import { stateFromObjects } from '../../state/build-state.js';
import { service, slice } from '../../testing/objects.js';
import { renderIptables } from './render.js';
const N = 10000;
const svcs = [], slices = [];
for (let i = 0; i < N; i++) {
  const ip = `10.96.${i >> 8}.${i & 255}`;
  svcs.push(service(`s${i}`, { clusterIP: ip, clusterIPs: [ip] }));
  slices.push(slice(`s${i}`, [1,2,3,4,5].map((k) => ({ ip: `10.244.${k}.${i & 255}` })), undefined, `s${i}-abc`));
}
const st = stateFromObjects(svcs, slices, { nodeName: 'node-1', nodePortIPs: ['172.20.0.1'] });
for (let k = 0; k < 3; k++) {
let t = performance.now();
const text = renderIptables(st, { podCIDR: '10.244.0.0/16' });
console.log('render ms', (performance.now() - t).toFixed(0), 'bytes', text.length);
}
