// Standard cron schedules (five fields, or @hourly/@daily/...), as robfig/cron's ParseStandard
// reads them for CronJobs, with its error messages; and the times a schedule fires (UTC).

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'dom', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'dow', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface Schedule {
  sets: Set<number>[];
  /** dom or dow given as `*`: the other one alone decides the day. */
  domStar: boolean;
  dowStar: boolean;
}

function parseValue(text: string, f: (typeof FIELDS)[number]): number {
  const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + f.min;
  if (!/^[0-9]+$/.test(text)) throw new Error(`failed to parse int from ${text}: strconv.Atoi: parsing "${text}": invalid syntax`);
  return Number(text);
}

function parseField(expr: string, f: (typeof FIELDS)[number]): Set<number> {
  const out = new Set<number>();
  for (const part of expr.split(',')) {
    const [range, stepText] = part.split('/');
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') [lo, hi] = [f.min, f.max];
    else {
      const [a, b] = range.split('-');
      lo = parseValue(a, f);
      hi = b === undefined ? (stepText ? f.max : lo) : parseValue(b, f);
    }
    const step = stepText === undefined ? 1 : parseValue(stepText, f);
    if (lo < f.min) throw new Error(`beginning of range (${lo}) below minimum (${f.min}): ${part}`);
    if (hi > f.max) throw new Error(`end of range (${hi}) above maximum (${f.max}): ${part}`);
    if (lo > hi) throw new Error(`beginning of range (${lo}) beyond end of range (${hi}): ${part}`);
    if (step === 0) throw new Error(`step of range should be a positive number: ${part}`);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Parses a schedule; throws with robfig/cron's message when it is not one. */
export function parseCron(text: string): Schedule {
  const spec = DESCRIPTORS[text.trim()] ?? text.trim();
  if (spec.startsWith('@')) throw new Error(`unrecognized descriptor: ${spec}`);
  const fields = spec.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const sets = fields.map((e, i) => parseField(e, FIELDS[i]));
  return { sets, domStar: fields[2] === '*' || fields[2] === '?', dowStar: fields[4] === '*' || fields[4] === '?' };
}

function matches(s: Schedule, d: Date): boolean {
  const [min, hour, dom, month, dow] = s.sets;
  if (!min.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours()) || !month.has(d.getUTCMonth() + 1)) return false;
  const domOk = dom.has(d.getUTCDate());
  const dowOk = dow.has(d.getUTCDay());
  // Cron's rule: when both day fields are restricted, either may match.
  if (s.domStar || s.dowStar) return domOk && dowOk;
  return domOk || dowOk;
}

/** The first time the schedule fires strictly after `after` (minute resolution). */
export function nextFire(s: Schedule, after: Date): Date | undefined {
  const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  // Four years of minutes bound the search (29 February included).
  for (let i = 0; i < 4 * 366 * 24 * 60; i++, t.setTime(t.getTime() + 60_000)) if (matches(s, t)) return new Date(t);
  return undefined;
}

/** The latest time the schedule fired in (since, now], if any; a week back at most. */
export function lastFireBetween(s: Schedule, since: Date, now: Date): Date | undefined {
  let last: Date | undefined;
  const from = new Date(Math.max(since.getTime(), now.getTime() - 7 * 24 * 3600_000));
  for (let t = nextFire(s, from); t && t <= now; t = nextFire(s, t)) last = t;
  return last;
}
