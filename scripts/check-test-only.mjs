#!/usr/bin/env node
// Fails when src/ (what tsc builds into dist/) holds test-only code: a module that only tests
// (*.test.ts, test/, bench/) import, directly or through other such modules. Fakes, fixtures and
// tracers belong under test/. A module nothing imports is an entry point the program starts by
// path (a worker, a built-in image's script) and counts as product; so does everything it imports.
// Also fails when the build would emit a *.test.ts file.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const src = join(root, 'src');
const skip = new Set([join(src, 'ui')]); // the browser page, built and checked on its own

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.') || skip.has(p)) continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const isTest = (f) => f.endsWith('.test.ts') || !f.startsWith(src + '/');
const SPEC = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The src/ modules that file imports (relative specifiers only; `.js` names the `.ts` source). */
function imports(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(SPEC)) {
    const target = resolve(dirname(file), m[1]).replace(/\.js$/, '.ts');
    if (target.startsWith(src + '/')) out.push(target);
  }
  return out;
}

const product = walk(src).filter((f) => !isTest(f));
const testSide = [...walk(src).filter(isTest), ...['test', 'bench'].flatMap((d) => walk(join(root, d)))];

const edges = new Map(product.map((f) => [f, imports(f)]));
const importedByProduct = new Set([...edges.values()].flat());
const importedByTests = new Set(testSide.flatMap(imports));

// Roots: modules no product module imports and no test imports (entry points started by path),
// plus the CLI. Everything reachable from them through product imports ships.
const reached = new Set();
const stack = product.filter((f) => !importedByProduct.has(f) && !importedByTests.has(f));
stack.push(join(src, 'cli', 'main.ts'));
while (stack.length) {
  const f = stack.pop();
  if (reached.has(f)) continue;
  reached.add(f);
  stack.push(...(edges.get(f) ?? []));
}

const problems = product.filter((f) => !reached.has(f)).map((f) => `${relative(root, f)}: only tests import it; move it under test/`);

const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
if (!(tsconfig.exclude ?? []).includes('src/**/*.test.ts')) problems.push('tsconfig.json: must exclude src/**/*.test.ts from the build');

if (problems.length) {
  console.error(`test-only code in src/ (it would ship in dist/):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-test-only: ${product.length} modules in src/, none test-only`);
