// Field selectors (`?fieldSelector=`, `kubectl --field-selector`): comma-joined `field=value`,
// `field==value` and `field!=value` terms, ANDed. `\,`, `\=` and `\\` escape those characters in
// values. Wording of errors follows k8s.io/apimachinery/pkg/fields/selector.go.

import { errors } from './status-errors.js';

export interface FieldTerm {
  field: string;
  /** `==` parses to `=`: they mean the same. */
  operator: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  /** Sorted by their text, ANDed. None: matches everything. */
  terms: FieldTerm[];
}

const OPERATORS = ['!=', '==', '='] as const;

/** Splits on commas that are not escaped; the backslashes stay for unescapeValue. */
function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** The first unescaped operator splits a term into field, operator and (escaped) value. */
function splitTerm(term: string): [string, string, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => term.startsWith(o, i));
    if (op) return [term.slice(0, i), op, term.slice(i + op.length)];
  }
  return undefined;
}

function unescapeValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\') {
      const next = v[i + 1];
      if (next === undefined || !'\\,='.includes(next))
        throw errors.badRequest(`invalid field selector: invalid escape sequence: \\${next ?? ''}`);
      out += next;
      i++;
    } else if (c === ',' || c === '=') {
      throw errors.badRequest(`invalid field selector: unescaped character in value: ${c}`);
    } else {
      out += c;
    }
  }
  return out;
}

/** Parses `spec.nodeName=n1,status.phase!=Failed`. Throws a 400 BadRequest. */
export function parseFieldSelector(s: string): FieldSelector {
  const terms: FieldTerm[] = [];
  for (const part of splitTerms(s).sort()) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [fieldName, op, value] = split;
    terms.push({ field: fieldName, operator: op === '!=' ? '!=' : '=', value: unescapeValue(value) });
  }
  return { terms };
}

/** Fields an object lacks count as empty strings, as in Kubernetes. */
export function matchesFields(sel: FieldSelector, fields: Record<string, string>): boolean {
  return sel.terms.every((t) => ((fields[t.field] ?? '') === t.value) === (t.operator === '='));
}

/** Refuses a selector on a field the resource cannot select by (400, as Kubernetes). */
export function checkFieldLabels(sel: FieldSelector, supported: Iterable<string>): void {
  const known = new Set(supported);
  const bad = sel.terms.find((t) => !known.has(t.field));
  if (bad) throw errors.badRequest(`field label not supported: ${bad.field}`);
}

/** The value a selector pins a field to with `=` (lets a list read one key), if any. */
export function requiredFieldValue(sel: FieldSelector, fieldName: string): string | undefined {
  return sel.terms.find((t) => t.field === fieldName && t.operator === '=')?.value;
}
