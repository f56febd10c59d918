// Label selectors: the string syntax of `?labelSelector=` and `kubectl -l`, the structured
// `spec.selector` of Deployments and ReplicaSets, matching, and printing. Grammar, matching and
// error wording follow k8s.io/apimachinery/pkg/labels/selector.go, since kubectl shows the
// server's parse errors verbatim.

import { errors, type FieldError } from './status-errors.js';
import { isQualifiedName, isValidLabelValue } from './name-format.js';

export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: Operator;
  /** Sorted and unique, as Go's sets.String keeps them. */
  values: string[];
}

export interface LabelSelector {
  /** Requirements ANDed together, sorted by key. None: matches everything. */
  requirements: Requirement[];
  /** A missing structured selector (nil in Go) selects nothing at all. */
  nothing?: boolean;
}

/** `metav1.LabelSelector` as it appears in object specs. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export const everything = (): LabelSelector => ({ requirements: [] });

const goStrings = (vs: string[]): string => `[]string{${vs.map((v) => JSON.stringify(v)).join(', ')}}`;

// Go's field.Error text: `path: Invalid value: "v": detail`. An unset path prints `<nil>`.
const invalid = (path: string, value: string, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field: path,
  message: `Invalid value: ${value}: ${detail}`,
});

/** Go's errors.Aggregate text: one error bare, several in brackets. */
function aggregate(errs: FieldError[]): string {
  const texts = errs.map((e) => `${e.field}: ${e.message}`);
  return texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
}

/** labels.NewRequirement: checks the key, the values and their count for the operator. */
function newRequirement(key: string, operator: Operator, values: string[]): Requirement {
  const errs: FieldError[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(invalid('key', JSON.stringify(key), keyErrs.join('; ')));
  const valuesPath = 'values';
  if ((operator === 'in' || operator === 'notin') && values.length === 0)
    errs.push(invalid(valuesPath, goStrings(values), "for 'in', 'notin' operators, values set can't be empty"));
  if ((operator === '=' || operator === '==' || operator === '!=') && values.length !== 1)
    errs.push(invalid(valuesPath, goStrings(values), 'exact-match compatibility requires one single value'));
  if ((operator === 'exists' || operator === '!') && values.length !== 0)
    errs.push(invalid(valuesPath, goStrings(values), 'values set must be empty for exists and does not exist'));
  if (operator === 'gt' || operator === 'lt') {
    if (values.length !== 1)
      errs.push(invalid(valuesPath, goStrings(values), "for 'Gt', 'Lt' operators, exactly one value is required"));
    values.forEach((v, i) => {
      if (!/^[-+]?\d+$/.test(v))
        errs.push(invalid(`${valuesPath}[${i}]`, JSON.stringify(v), "for 'Gt', 'Lt' operators, the value must be an integer"));
    });
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length) errs.push(invalid(`${valuesPath}[${i}][${key}]`, JSON.stringify(v), valueErrs.join('; ')));
  });
  if (errs.length) throw errors.badRequest(aggregate(errs));
  return { key, operator, values: [...new Set(values)].sort() };
}

const byKey = (a: Requirement, b: Requirement): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

// ---- the string syntax -------------------------------------------------------------------

type Token = 'end' | 'error' | ')' | ',' | '!' | '==' | '=' | '>' | 'ident' | 'in' | '<' | '!=' | 'notin' | '(';

const SYMBOLS = new Set<string>([')', ',', '!', '==', '=', '>', '<', '!=', '(']);
const KEYWORDS = new Set<string>(['in', 'notin']);
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

interface Item {
  tok: Token;
  lit: string;
}

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isSpace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'end', lit: '' });
      return items;
    }
    if (isSpecial(s[pos])) {
      // Longest run of symbol characters that still forms an operator (`!=` over `!`).
      let buf = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buf += s[pos];
        if (SYMBOLS.has(buf)) last = { tok: buf as Token, lit: buf };
        else if (last) break;
        pos++;
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
    } else {
      let buf = '';
      while (pos < s.length && !isSpecial(s[pos]) && !isSpace(s[pos])) buf += s[pos++];
      items.push({ tok: KEYWORDS.has(buf) ? (buf as Token) : 'ident', lit: buf });
    }
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  /** In a value position the keywords `in`/`notin` are plain identifiers (`x in (in)`). */
  peek(values = true): Item {
    const it = this.items[this.pos];
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'ident', lit: it.lit } : it;
  }

  next(values = true): Item {
    const it = this.peek(values);
    this.pos++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek();
      if (tok === 'end') return reqs;
      if (tok !== 'ident' && tok !== '!') throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e) {
        throw new Error(`unable to parse requirement: ${(e as Error).message}`);
      }
      const after = this.next();
      if (after.tok === 'end') return reqs;
      if (after.tok !== ',') throw new Error(`found '${after.lit}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (following.tok !== 'ident' && following.tok !== '!')
        throw new Error(`found '${following.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let negated = false;
    let it = this.next();
    if (it.tok === '!') {
      negated = true;
      it = this.next();
    }
    if (it.tok !== 'ident') throw new Error(`found '${it.lit}', expected: identifier`);
    const key = it.lit;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) throw new Error(aggregate([invalid('<nil>', JSON.stringify(key), keyErrs.join('; '))]));
    const ahead = this.peek().tok;
    if (negated || ahead === 'end' || ahead === ',') return newRequirement(key, negated ? '!' : 'exists', []);
    const op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
    // Go collects values in a sorted set before checking them, so error indexes follow that order.
    return newRequirement(key, op, [...new Set(values)].sort());
  }

  private operator(): Operator {
    const { tok, lit } = this.next(false);
    const ops: Partial<Record<Token, Operator>> = { in: 'in', notin: 'notin', '=': '=', '==': '==', '!=': '!=', '>': 'gt', '<': 'lt' };
    const op = ops[tok];
    if (!op) throw new Error(`found '${lit}', expected: in, notin, =, ==, !=, gt, lt`);
    return op;
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.tok !== '(') throw new Error(`found '${open.lit}' expected: '('`);
    const first = this.peek();
    if (first.tok === ')') {
      this.next();
      return [''];
    }
    if (first.tok !== 'ident' && first.tok !== ',') throw new Error(`found '${first.lit}', expected: ',', ')' or identifier`);
    const values = this.identifiers();
    if (this.next().tok !== ')') throw new Error(`found '${first.lit}', expected: ')'`);
    return values;
  }

  /** A comma list whose empty members are the empty string: `(a,,b)`, `(,a)`, `(a,)`. */
  private identifiers(): string[] {
    const values: string[] = [];
    for (;;) {
      const it = this.next();
      if (it.tok === 'ident') {
        values.push(it.lit);
        const ahead = this.peek();
        if (ahead.tok === ')') return values;
        if (ahead.tok !== ',') throw new Error(`found '${ahead.lit}', expected: ',' or ')'`);
      } else if (it.tok === ',') {
        if (values.length === 0) values.push('');
        const ahead = this.peek().tok;
        if (ahead === ')') return [...values, ''];
        if (ahead === ',') values.push('');
      } else {
        throw new Error(`found '${it.lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): string[] {
    const ahead = this.peek().tok;
    if (ahead === 'end' || ahead === ',') return [''];
    const it = this.next();
    if (it.tok !== 'ident') throw new Error(`found '${it.lit}', expected: identifier`);
    return [it.lit];
  }
}

/** Parses `a=b,c in (x,y),!d`. Throws a 400 BadRequest worded as Kubernetes words it. */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return { requirements: new Parser(lex(s)).parse().sort(byKey) };
  } catch (e) {
    throw errors.badRequest((e as Error).message);
  }
}

function matchesRequirement(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^[-+]?\d+$/.test(value)) return false;
      const [have, want] = [BigInt(value), BigInt(r.values[0])];
      return r.operator === 'gt' ? have > want : have < want;
    }
  }
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  if (sel.nothing) return false;
  return sel.requirements.every((r) => matchesRequirement(r, labels ?? {}));
}

export function isEverything(sel: LabelSelector): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}

/** A selector requiring exactly these labels (labels.SelectorFromSet). */
export function selectorFromSet(set: Record<string, string> | undefined): LabelSelector {
  return { requirements: Object.entries(set ?? {}).map(([key, v]) => ({ key, operator: '=' as const, values: [v] })).sort(byKey) };
}

const EXPRESSION_OPERATORS: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/** metav1.LabelSelectorAsSelector: a missing spec selects nothing, an empty one everything.
 *  Throws a 400 for an unknown operator or invalid keys/values. */
export function selectorFromLabelSelector(spec: LabelSelectorSpec | undefined | null): LabelSelector {
  if (!spec) return { requirements: [], nothing: true };
  const reqs = Object.entries(spec.matchLabels ?? {}).map(([k, v]) => newRequirement(k, '=', [v]));
  for (const expr of spec.matchExpressions ?? []) {
    const op = EXPRESSION_OPERATORS[expr.operator];
    if (!op) throw errors.badRequest(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    reqs.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return { requirements: reqs.sort(byKey) };
}

const OPERATOR_TEXT: Record<Operator, string> = {
  in: ' in ',
  notin: ' notin ',
  '=': '=',
  '==': '==',
  '!=': '!=',
  exists: '',
  '!': '',
  gt: '>',
  lt: '<',
};

/** The canonical text of a selector (Selector.String()): `app=web,tier in (a,b)`. */
export function labelSelectorString(sel: LabelSelector): string {
  return sel.requirements
    .map((r) => {
      const prefix = r.operator === '!' ? '!' : '';
      if (r.operator === 'exists' || r.operator === '!') return `${prefix}${r.key}`;
      const values = r.values.join(',');
      const set = r.operator === 'in' || r.operator === 'notin';
      return `${r.key}${OPERATOR_TEXT[r.operator]}${set ? `(${values})` : values}`;
    })
    .join(',');
}

/** metav1.FormatLabelSelector, as the SELECTOR columns print it: `<none>` when empty. */
export function formatLabelSelector(spec: LabelSelectorSpec | undefined | null): string {
  let sel: LabelSelector;
  try {
    sel = selectorFromLabelSelector(spec);
  } catch {
    return '<error>';
  }
  return labelSelectorString(sel) || '<none>';
}
