// An independent model of cron for the property tests: the generator expands each field
// itself, days are matched with JavaScript's own Date, and time zones are read from Intl.
import fc from 'fast-check';

export const MINUTE = 60_000;
export const DAY = 86_400_000;

export interface Field {
  text: string;
  values: Set<number>;
  restricted: boolean;
  lastOffsets: number[]; // L, $, L-n
  nearest: number[]; // nW
  lastWeekday: boolean; // LW
  lastOf: number[]; // 5L
  nth: Array<[number, number]>; // 1#2
}

export interface Model {
  text: string;
  seconds: Field;
  minutes: Field;
  hours: Field;
  dom: Field;
  months: Field;
  dow: Field;
}

const span = (low: number, high: number, step = 1): number[] => {
  const out: number[] = [];
  for (let v = low; v <= high; v += step) out.push(v);
  return out;
};

export interface Piece {
  text: string;
  values: number[];
  extra?: Partial<Pick<Field, 'lastOffsets' | 'nearest' | 'lastWeekday' | 'lastOf' | 'nth'>>;
}

/** Items of one field; `top` is the highest number accepted (7 for day-of-week). */
function pieces(min: number, max: number, top = max): fc.Arbitrary<Piece> {
  const value = fc.integer({ min, max: top });
  const step = fc.integer({ min: 1, max: max - min + 1 });
  return fc.oneof(
    value.map((v) => ({ text: String(v), values: [v] })),
    fc.tuple(value, value).map(([a, b]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return { text: `${lo}-${hi}`, values: span(lo, hi) };
    }),
    fc.tuple(value, value, step).map(([a, b, n]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return { text: `${lo}-${hi}/${n}`, values: span(lo, hi, n) };
    }),
    fc.tuple(value, step).map(([a, n]) => ({ text: `${a}/${n}`, values: span(a, top, n) })),
  );
}

export function field(min: number, max: number, opts: { top?: number; extras?: fc.Arbitrary<Piece>; starWeight?: number } = {}): fc.Arbitrary<Field> {
  const top = opts.top ?? max;
  const item = opts.extras ? fc.oneof({ arbitrary: pieces(min, max, top), weight: 3 }, { arbitrary: opts.extras, weight: 1 }) : pieces(min, max, top);
  const restricted = fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => ({
    text: items.map((i) => i.text).join(','),
    values: items.flatMap((i) => i.values),
    extra: items.map((i) => i.extra ?? {}),
  }));
  const star = fc.oneof(
    fc.constant({ text: '*', values: span(min, max), extra: [] }),
    fc.integer({ min: 2, max: max - min + 1 }).map((n) => ({ text: `*/${n}`, values: span(min, max, n), extra: [] })),
  );
  return fc.oneof({ arbitrary: star, weight: opts.starWeight ?? 1 }, { arbitrary: restricted, weight: 2 }).map(({ text, values, extra }) => ({
    text,
    values: new Set(values.map((v) => (top === 7 && v === 7 ? 0 : v))),
    restricted: !text.startsWith('*'),
    lastOffsets: extra.flatMap((e) => e.lastOffsets ?? []),
    nearest: extra.flatMap((e) => e.nearest ?? []),
    lastWeekday: extra.some((e) => e.lastWeekday === true),
    lastOf: extra.flatMap((e) => e.lastOf ?? []),
    nth: extra.flatMap((e) => e.nth ?? []),
  }));
}

export const domExtras: fc.Arbitrary<Piece> = fc.oneof(
  fc.constant<Piece>({ text: 'L', values: [], extra: { lastOffsets: [0] } }),
  fc.constant<Piece>({ text: '$', values: [], extra: { lastOffsets: [0] } }),
  fc.integer({ min: 1, max: 5 }).map((n): Piece => ({ text: `L-${n}`, values: [], extra: { lastOffsets: [n] } })),
  fc.integer({ min: 1, max: 31 }).map((n): Piece => ({ text: `${n}W`, values: [], extra: { nearest: [n] } })),
  fc.constant<Piece>({ text: 'LW', values: [], extra: { lastWeekday: true } }),
);
export const dowExtras: fc.Arbitrary<Piece> = fc.oneof(
  fc.integer({ min: 0, max: 7 }).map((w): Piece => ({ text: `${w}L`, values: [], extra: { lastOf: [w % 7] } })),
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 5 })).map(([w, k]): Piece => ({ text: `${w}#${k}`, values: [], extra: { nth: [[w % 7, k] as [number, number]] } })),
);

export const single = (min: number, max: number) => fc.integer({ min, max }).map((v) => field0(String(v), [v]));
export function field0(text: string, values: number[]): Field {
  return { text, values: new Set(values), restricted: true, lastOffsets: [], nearest: [], lastWeekday: false, lastOf: [], nth: [] };
}

export interface ModelParts {
  seconds?: fc.Arbitrary<Field>;
  minutes: fc.Arbitrary<Field>;
  hours: fc.Arbitrary<Field>;
  dayStarWeight?: number;
  /** Special day items; default: all of L, $, L-n, nW, LW and nL, n#k. */
  domExtras?: fc.Arbitrary<Piece>;
  dowExtras?: fc.Arbitrary<Piece>;
}

export function model(parts: ModelParts): fc.Arbitrary<Model> {
  const starWeight = parts.dayStarWeight ?? 3;
  return fc
    .record({
      seconds: parts.seconds ?? fc.constant(field0('0', [0])),
      minutes: parts.minutes,
      hours: parts.hours,
      dom: field(1, 31, { extras: parts.domExtras ?? domExtras, starWeight }),
      months: field(1, 12, { starWeight }),
      dow: field(0, 6, { top: 7, extras: parts.dowExtras ?? dowExtras, starWeight }),
    })
    .map((m) => ({
      ...m,
      text: [...(parts.seconds ? [m.seconds.text] : []), m.minutes.text, m.hours.text, m.dom.text, m.months.text, m.dow.text].join(' '),
    }));
}

// --- the independent matcher -------------------------------------------------------------

const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const weekday = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay();
const isWorkday = (y: number, m: number, d: number) => weekday(y, m, d) % 6 !== 0;

function nearestWorkday(y: number, m: number, day: number): number | null {
  const length = daysIn(y, m);
  if (day > length) return null;
  if (isWorkday(y, m, day)) return day;
  if (weekday(y, m, day) === 6) return day === 1 ? 3 : day - 1;
  return day === length ? day - 2 : day + 1;
}

export function dayMatches(m: Model, y: number, mo: number, d: number, all: boolean): boolean {
  const length = daysIn(y, mo);
  const w = weekday(y, mo, d);
  let lastWorkday = length;
  while (!isWorkday(y, mo, lastWorkday)) lastWorkday--;
  const domHit =
    m.dom.values.has(d) ||
    m.dom.lastOffsets.some((k) => d === length - k) ||
    m.dom.nearest.some((n) => nearestWorkday(y, mo, n) === d) ||
    (m.dom.lastWeekday && d === lastWorkday);
  const dowHit = m.dow.values.has(w) || m.dow.lastOf.some((x) => x === w && d + 7 > length) || m.dow.nth.some(([x, k]) => x === w && Math.ceil(d / 7) === k);
  return !all && m.dom.restricted && m.dow.restricted ? domHit || dowHit : domHit && dowHit;
}

/** Does a wall time (ms, local calendar written as UTC) match the model? */
export function wallMatches(m: Model, wall: number, all = false): boolean {
  const date = new Date(wall);
  return (
    m.seconds.values.has(date.getUTCSeconds()) &&
    m.minutes.values.has(date.getUTCMinutes()) &&
    m.hours.values.has(date.getUTCHours()) &&
    m.months.values.has(date.getUTCMonth() + 1) &&
    dayMatches(m, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), all)
  );
}

const formats = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>(); // the cases share windows: Intl is slow enough to matter
function intlOffset(zone: string, t: number): number {
  const key = `${zone} ${t}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, Number(x.value)]));
  const offset = Date.UTC(p.year as number, (p.month as number) - 1, p.day, p.hour, p.minute, p.second) - t;
  offsets.set(key, offset);
  return offset;
}

/** Brute force: every `step` in (from, to], with edgecron's clock-change rules. */
export function scan(m: Model, zone: string, from: number, to: number, step: number, all = false): number[] {
  const out: number[] = [];
  const allHours = m.hours.values.size === 24;
  const first = Math.floor((from - 3 * 3_600_000) / step) * step; // a little before, for context
  let previous = intlOffset(zone, first);
  let change: { at: number; before: number; after: number } | null = null;
  for (let t = first; t <= to; t += step) {
    const offset = zone === 'UTC' ? 0 : intlOffset(zone, t);
    if (offset !== previous) change = { at: t, before: previous, after: offset };
    previous = offset;
    if (t <= from) continue;
    const inChange = change !== null && t < change.at + Math.abs(change.after - change.before);
    const repeated = inChange && change !== null && change.after < change.before;
    const shifted = inChange && change !== null && change.after > change.before && wallMatches(m, t + change.before, all);
    if ((wallMatches(m, t + offset, all) && (!repeated || allHours)) || shifted) out.push(t);
  }
  return out;
}

