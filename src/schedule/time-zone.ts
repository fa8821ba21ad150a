// IANA time zones through Intl (the only time-zone database a Worker has), made fast enough for
// millions of conversions: the zone's UTC offset is constant over long spans of time, so each
// span is found once (a few dozen Intl calls) and cached; after that an offset is a lookup.
import { DAY, MAX_YEAR, SECOND, daysFromCivil, formatOffset, formatWall } from './civil-time';

/** A stretch of time `[start, end)` (UTC ms) over which local wall time = instant + `offset`. */
export interface OffsetSpan {
  readonly start: number;
  readonly end: number;
  readonly offset: number;
}

interface ZoneState {
  format: Intl.DateTimeFormat | null; // null: the zone is UTC, one infinite span
  spans: OffsetSpan[]; // sorted, non-overlapping
  last: OffsetSpan | null; // the span found last: consecutive lookups are usually close
}

// Offsets are probed a week apart; no zone in the tz database changes its offset and changes it
// back within a week. A span the probes did not see end is closed 400 days out, which is
// harmless: the next span has the same offset, so it is neither a gap nor an overlap.
const PROBE = 7 * DAY;
const REACH = 400 * DAY;
const LATEST = Date.UTC(MAX_YEAR, 11, 31, 23, 59, 59);

const UTC_SPAN: OffsetSpan = { start: -Infinity, end: Infinity, offset: 0 };
const zones = new Map<string, ZoneState>();

const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

function newFormat(name: string): Intl.DateTimeFormat | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined; // Intl says "RangeError: invalid time zone": that is the answer, not a bug
  }
}

/**
 * The zone's name as stored: Intl's spelling when it only differs in case (`europe/berlin` →
 * `Europe/Berlin`), otherwise the name as given (`US/Eastern` stays, it is a valid alias); null
 * for anything that is not an IANA zone name (fixed offsets such as `+05:30` are refused too).
 */
export function canonicalTimeZone(name: string): string | null {
  if (name.length === 0 || name.length > 64 || !IANA_NAME.test(name)) return null;
  const format = newFormat(name);
  if (format === undefined) return null;
  const resolved = format.resolvedOptions().timeZone;
  return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
}

/** True when `name` is an IANA time zone this runtime knows (`UTC` included). */
export function isValidTimeZone(name: string): boolean {
  return canonicalTimeZone(name) !== null;
}

function zoneState(zone: string): ZoneState {
  let state = zones.get(zone);
  if (state !== undefined) return state;
  const format = newFormat(zone);
  if (format === undefined) throw new Error(`unknown time zone ${JSON.stringify(zone)} reached the schedule engine`);
  const utc = format.resolvedOptions().timeZone;
  state =
    utc === 'UTC' || utc === 'Etc/UTC'
      ? { format: null, spans: [UTC_SPAN], last: UTC_SPAN }
      : { format, spans: [], last: null };
  zones.set(zone, state);
  return state;
}

/** The offset (ms) at a whole-second instant, straight from Intl: slow, only for building spans. */
function intlOffset(format: Intl.DateTimeFormat, instant: number): number {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of format.formatToParts(instant)) {
    switch (part.type) {
      case 'year': year = Number(part.value); break;
      case 'month': month = Number(part.value); break;
      case 'day': day = Number(part.value); break;
      case 'hour': hour = Number(part.value); break;
      case 'minute': minute = Number(part.value); break;
      case 'second': second = Number(part.value); break;
      case 'era': bc = part.value === 'BC' || part.value === 'B'; break;
      default: break;
    }
  }
  if (bc) year = 1 - year;
  const wall = daysFromCivil(year, month, day) * DAY + ((hour * 60 + minute) * 60 + second) * SECOND;
  return wall - instant;
}

/** The first whole second in `(from, to]` whose offset differs from/equals `offset`. */
function bisect(format: Intl.DateTimeFormat, from: number, to: number, offset: number, equal: boolean): number {
  let lo = from; // predicate false here
  let hi = to; // predicate true here
  while (hi - lo > SECOND) {
    const mid = lo + Math.floor((hi - lo) / 2 / SECOND) * SECOND;
    if ((intlOffset(format, mid) === offset) === equal) hi = mid;
    else lo = mid;
  }
  return hi;
}

function buildSpan(state: ZoneState, format: Intl.DateTimeFormat, at: number): OffsetSpan {
  const t = Math.floor(at / SECOND) * SECOND;
  const spans = state.spans;
  let i = 0;
  let hiIndex = spans.length;
  while (i < hiIndex) {
    const mid = (i + hiIndex) >> 1;
    if ((spans[mid] as OffsetSpan).end <= t) i = mid + 1;
    else hiIndex = mid;
  }
  const before = spans[i - 1];
  const after = spans[i];
  const floor = before === undefined ? t - REACH : before.end;
  const ceiling = after === undefined ? t + REACH : after.start;
  const offset = intlOffset(format, t);

  let start = floor;
  for (let p = t; p > floor; ) {
    const q = Math.max(floor, p - PROBE);
    if (intlOffset(format, q) !== offset) {
      start = bisect(format, q, p, offset, true);
      break;
    }
    p = q;
  }
  let end = ceiling;
  for (let p = t; p < ceiling; ) {
    const q = Math.min(ceiling, p + PROBE);
    if (intlOffset(format, q) !== offset) {
      end = bisect(format, p, q, offset, false);
      break;
    }
    p = q;
  }
  const span: OffsetSpan = { start, end, offset };
  spans.splice(i, 0, span);
  return span;
}

/** The span of constant UTC offset that contains `instant` (UTC ms). */
export function offsetSpanAt(zone: string, instant: number): OffsetSpan {
  const state = zoneState(zone);
  const last = state.last;
  if (last !== null && instant >= last.start && instant < last.end) return last;
  const spans = state.spans;
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const span = spans[mid] as OffsetSpan;
    if (span.end <= instant) lo = mid + 1;
    else if (span.start > instant) hi = mid;
    else {
      state.last = span;
      return span;
    }
  }
  const built = buildSpan(state, state.format as Intl.DateTimeFormat, instant);
  state.last = built;
  return built;
}

/** The zone's UTC offset (ms, local = UTC + offset) at `instant`. */
export function offsetAt(zone: string, instant: number): number {
  return offsetSpanAt(zone, instant).offset;
}

/** The offset in force just before `instant`: tells a span's start from a clock change. */
export function offsetBefore(zone: string, instant: number): number {
  return offsetSpanAt(zone, instant - 1).offset;
}

const previousOffsets = new WeakMap<OffsetSpan, number>();

/** The offset of the span before this one, remembered: every cron search asks it. */
export function offsetBeforeSpan(zone: string, span: OffsetSpan): number {
  let previous = previousOffsets.get(span);
  if (previous === undefined) {
    previous = span.start === -Infinity ? span.offset : offsetSpanAt(zone, span.start - 1).offset;
    previousOffsets.set(span, previous);
  }
  return previous;
}

/** Drops every cached offset span: the benchmark's cold runs, nothing else needs it. */
export function forgetZoneOffsets(): void {
  zones.clear();
}

/** The local wall time (ms, see civil-time.ts) of an instant. */
export function wallOf(zone: string, instant: number): number {
  return instant + offsetAt(zone, instant);
}

// Offsets in the tz database lie within -15 h … +15 h, so the instants of one wall time do too.
const WIDEST_OFFSET = 15 * 60 * 60 * SECOND;

/** How a wall time maps to real time in a zone. */
export type WallResolution =
  | { kind: 'normal'; instant: number }
  | { kind: 'gap'; instant: number; jump: number } // did not exist: shifted forward by `jump`
  | { kind: 'overlap'; instant: number; second: number }; // occurred twice: first and second

/** Resolves a local wall time to instants, describing clock changes on the way. */
export function resolveWall(zone: string, wall: number): WallResolution {
  const found: number[] = [];
  let previous: OffsetSpan | null = null;
  let gapInstant: number | null = null;
  let gapJump = 0;
  for (let span = offsetSpanAt(zone, wall - WIDEST_OFFSET); ; span = offsetSpanAt(zone, span.end)) {
    const instant = wall - span.offset;
    if (instant >= span.start && instant < span.end) found.push(instant);
    if (
      previous !== null &&
      previous.offset < span.offset &&
      wall >= span.start + previous.offset &&
      wall < span.start + span.offset
    ) {
      gapInstant = wall - previous.offset;
      gapJump = span.offset - previous.offset;
    }
    if (span.end > wall + WIDEST_OFFSET || span.end >= LATEST) break;
    previous = span;
  }
  const [first, second] = found;
  if (first !== undefined && second !== undefined) return { kind: 'overlap', instant: first, second };
  if (first !== undefined) return { kind: 'normal', instant: first };
  if (gapInstant !== null) return { kind: 'gap', instant: gapInstant, jump: gapJump };
  throw new Error(`wall time ${wall} has no instant in ${zone}`);
}

/**
 * The instant of a local wall time under edgecron's rules: a time skipped by a forward jump is
 * moved forward by the jump; a time that occurs twice means its first occurrence.
 */
export function instantOfWall(zone: string, wall: number): number {
  return resolveWall(zone, wall).instant;
}

/** ISO 8601 with the zone's offset at that instant: `2026-03-29T03:30:00+02:00`. */
export function formatLocal(zone: string, instant: number): string {
  const offset = offsetAt(zone, instant);
  return `${formatWall(instant + offset)}${formatOffset(offset)}`;
}
