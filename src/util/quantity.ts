// resource.Quantity as numbers: `500m` → 0.5, `200Mi` → 209715200, `1e3` → 1000; and back for
// the forms the HPA and metrics print (`250m`, `12Mi`).

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a quantity in its base unit (cores, bytes); NaN when it is not one. */
export function parseQuantity(q: string | number | undefined): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(q ?? '');
  if (!m) return NaN;
  return Number(m[1] + (m[2] ?? '')) * SUFFIX[m[3] ?? '']!;
}

/** A value as Quantity.String() prints the canonical forms we meet: milli-units below 1 or when
 *  fractional (`250m`), whole numbers bare, bytes in the largest exact binary suffix. */
export function formatQuantity(value: number, binary = false): string {
  if (binary && Number.isInteger(value) && value !== 0) {
    for (const s of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) if (value % SUFFIX[s]! === 0) return `${value / SUFFIX[s]!}${s}`;
    return String(value);
  }
  if (Number.isInteger(value)) return String(value);
  return `${Math.ceil(value * 1000)}m`;
}
