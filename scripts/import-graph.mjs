// The folder-level import graph of src/: which top-level folder (layer) imports which, with
// counts. With --check it prints only the imports that go up or sideways and exits 1 when there is one.
//
// Import specifiers come from TypeScript's own pre-processor (ts.preProcessFile), which already
// ships with the compiler: it sees `import`, `export … from`, `import type` and `import()`
// without resolving types, so the check needs no new dependency and takes well under a second.
//
// Usage: node scripts/import-graph.mjs [--check]

import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Bottom to top. A folder imports only folders in lower tiers: folders side by side in a tier
 *  (controllers, proxy, dns) stay independent of each other. */
const TIERS = [
  ['store', 'util'],
  ['apis'],
  ['api'],
  ['client'],
  ['controllers', 'proxy', 'dns'],
  ['network'],
  ['node'],
  ['control-plane'],
  ['cli'],
  ['ui'], // the live page's browser bundle; it shares the dashboard's wire types with cli
];
/** Tests may also import the shared test support outside src/. */
const TEST_SUPPORT = 'test';

const SRC = path.resolve(process.argv[1], '../../src');
const tier = new Map(TIERS.flatMap((folders, i) => folders.map((f) => [f, i])));

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(m|c)?tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The layer a path belongs to: its first folder under src/, or `test` for the test support. */
function layerOf(file) {
  const rel = path.relative(SRC, file);
  if (rel.startsWith('..')) return path.relative(path.dirname(SRC), file).split(path.sep)[0];
  return rel.split(path.sep)[0];
}

function allowed(from, to, isTest) {
  if (isTest && to === TEST_SUPPORT) return true;
  const a = tier.get(from);
  const b = tier.get(to);
  return a !== undefined && b !== undefined && b < a;
}

const edges = new Map(); // "from -> to" → { count, tests }
const violations = [];
const upward = new Set(); // edge keys with at least one upward import
for (const file of sourceFiles(SRC)) {
  const from = layerOf(file);
  const isTest = /\.test\.tsx?$/.test(file);
  const text = fs.readFileSync(file, 'utf8');
  for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
    if (!fileName.startsWith('.')) continue; // packages and node: builtins
    const target = path.resolve(path.dirname(file), fileName);
    const to = layerOf(target);
    if (to === from) continue;
    const key = `${from} -> ${to}`;
    const e = edges.get(key) ?? { count: 0, tests: 0 };
    e.count++;
    if (isTest) e.tests++;
    edges.set(key, e);
    if (allowed(from, to, isTest)) continue;
    upward.add(key);
    violations.push(`${path.relative(SRC, file)} -> ${path.relative(SRC, target)}`);
  }
}

const check = process.argv.includes('--check');
const order = (l) => tier.get(l) ?? TIERS.length;
const rows = [...edges].sort(([a], [b]) => {
  const [fa, ta] = a.split(' -> ');
  const [fb, tb] = b.split(' -> ');
  return order(fa) - order(fb) || fa.localeCompare(fb) || order(ta) - order(tb) || ta.localeCompare(tb);
});
if (!check) console.log(`layers, bottom to top: ${TIERS.map((t) => t.join(' ')).join(' → ')}`);
for (const [key, { count, tests }] of check ? [] : rows) {
  const mark = upward.has(key) ? '  WRONG WAY' : '';
  console.log(`${key.padEnd(28)} ${String(count).padStart(4)}${tests ? ` (${tests} in tests)` : ''}${mark}`);
}
console.log(`import graph: ${violations.length} wrong-way import${violations.length === 1 ? '' : 's'}`);
if (check && violations.length > 0) {
  for (const v of violations) console.error(`wrong-way import: ${v}`);
  process.exit(1);
}
