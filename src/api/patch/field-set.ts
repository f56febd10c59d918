// Sets of field paths, the currency of server-side apply (structured-merge-diff's fieldpath.Set),
// and their FieldsV1 encoding in metadata.managedFields.
//
// A path is a list of elements written as in FieldsV1: `f:spec` (a struct field or map key),
// `k:{"port":80,"protocol":"TCP"}` (an item of a list of type map, by its keys), `v:"x"` (an
// item of a list of type set, by value), `i:0` (by index). In FieldsV1 a path that is itself a
// member and also has members below it carries `".": {}`.
import { isObject, type JsonObject } from './json-value.js';

export type PathElement = string;
export type FieldPath = PathElement[];

const RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

export class FieldSet {
  private readonly members: Set<string>;
  private prefixes?: Set<string>;
  /** Its FieldsV1 tree, once built or when decoded from a tree already in canonical form: a
   *  write re-encodes every manager's entry, and most are unchanged (a status write changes one). */
  private encoded?: JsonObject;

  constructor(paths: Iterable<FieldPath> = []) {
    this.members = new Set([...paths].map((p) => JSON.stringify(p)));
  }

  /** A set of paths already written as their keys (`JSON.stringify(path)`), as a walk that
   *  keyed them so has them: not stringified a second time. */
  static ofKeys(keys: Iterable<string>): FieldSet {
    const s = new FieldSet();
    for (const k of keys) s.members.add(k);
    return s;
  }

  has(path: FieldPath): boolean {
    return this.members.has(JSON.stringify(path));
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  /** Whether a member is `path` or lies below it. */
  covers(path: FieldPath): boolean {
    if (!this.prefixes) {
      this.prefixes = new Set();
      for (const p of this.paths()) for (let n = 1; n <= p.length; n++) this.prefixes.add(JSON.stringify(p.slice(0, n)));
    }
    return this.prefixes.has(JSON.stringify(path));
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.ofKeys([...this.members, ...other.members]);
  }

  /** `this` itself when nothing of it is in `other`. */
  difference(other: FieldSet): FieldSet {
    const kept = [...this.members].filter((k) => !other.members.has(k));
    return kept.length === this.members.size ? this : FieldSet.ofKeys(kept);
  }

  intersection(other: FieldSet): FieldSet {
    return FieldSet.ofKeys([...this.members].filter((k) => other.members.has(k)));
  }

  /** Members in structured-merge-diff's order (fields, then keys, values, indexes). */
  paths(): FieldPath[] {
    return [...this.members].map((k) => JSON.parse(k) as FieldPath).sort(comparePaths);
  }

  /** The tree is shared with every caller (and with the tree it was decoded from): JSON to
   *  store or send, never to change. */
  toFieldsV1(): JsonObject {
    if (this.encoded) return this.encoded;
    const root: JsonObject = {};
    for (const path of this.paths()) {
      let node = root;
      for (const pe of path) node = (node[pe] ??= {}) as JsonObject;
      node['.'] = {};
    }
    return (this.encoded = compact(root) as JsonObject);
  }

  /** Throws on anything that is not a FieldsV1 tree. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const paths: FieldPath[] = [];
    // Canonical: what toFieldsV1 builds, `.` first and only beside members below, then the
    // elements in order. Stored entries are (this server wrote them); a client's may not be.
    let canonical = true;
    const walk = (node: unknown, prefix: FieldPath): void => {
      if (!isObject(node)) throw new Error(`invalid FieldsV1 at ${pathString(prefix)}`);
      const keys = Object.keys(node);
      if ('.' in node && (prefix.length === 0 || keys[0] !== '.' || keys.length === 1 || !isEmptyObject(node['.']))) canonical = false;
      let previous: PathElement | undefined;
      for (const pe of keys) {
        if (pe === '.') continue;
        if (!(pe[0] in RANK) || pe[1] !== ':') throw new Error(`invalid FieldsV1 path element ${JSON.stringify(pe)}`);
        if (previous !== undefined && compareElements(previous, pe) >= 0) canonical = false;
        previous = pe;
        const path = [...prefix, pe];
        const childNode = node[pe];
        if (!isObject(childNode)) throw new Error(`invalid FieldsV1 at ${pathString(path)}`);
        if (Object.keys(childNode).length === 0 || '.' in childNode) paths.push(path);
        walk(childNode, path);
      }
    };
    walk(fields, []);
    const set = new FieldSet(paths);
    if (canonical) set.encoded = fields as JsonObject;
    return set;
  }
}

function isEmptyObject(v: unknown): boolean {
  return isObject(v) && Object.keys(v).length === 0;
}

/** Drops the `.` marker where it is alone: a member without members below is just `{}`. */
function compact(node: JsonObject): JsonObject {
  const out: JsonObject = {};
  const children = Object.keys(node).filter((k) => k !== '.');
  if ('.' in node && children.length > 0) out['.'] = {};
  for (const k of children) out[k] = compact(node[k] as JsonObject);
  return out;
}

export function comparePaths(a: FieldPath, b: FieldPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareElements(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareElements(a: PathElement, b: PathElement): number {
  return RANK[a[0]] - RANK[b[0]] || (a < b ? -1 : a > b ? 1 : 0);
}

/** A path as the apiserver prints it in conflicts: `.spec.ports[port=80,protocol="TCP"].targetPort`. */
export function pathString(path: FieldPath): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as JsonObject;
          return `[${Object.entries(key)
            .map(([n, v]) => `${n}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
