// Next-fire computations per second, for a mix of schedules, side by side with cron-parser.
//
//   npm run bench:schedule        (or: npx tsx bench/schedule-next-fire.ts)
//
// The workload is the engine's: "when does this job fire next after t?" for instants t spread
// over 2026-2027, each answered from scratch (no iterator state). cron-parser answers the same
// questions (parse with currentDate = t, then next()); intervals and 6-field / L / $ / W
// expressions it cannot read are left out of its column. The machine is shared and noisy:
// each figure is the median of several rounds, and the ratio is what to compare across runs.
// The last table shows what the cache of zone offset spans buys: the same questions with the
// cache emptied before each one, as for the first question in a zone and season.
import { nextFireMs, parseSchedule, type Schedule } from '../src/schedule';
import { cronParserFires } from '../src/schedule/cron-parser-reference';
import { forgetZoneOffsets } from '../src/schedule/time-zone';

const MIX: Array<[schedule: string, timezone: string]> = [
  ['*/5 * * * *', 'UTC'],
  ['0 9 * * 1-5', 'America/New_York'],
  ['30 2 * * *', 'Europe/Berlin'],
  ['0 0 L * *', 'Europe/Berlin'],
  ['0 18 * * 5L', 'UTC'],
  ['0 10 * * 1#2', 'Australia/Lord_Howe'],
  ['*/15 * * * *', 'Australia/Lord_Howe'],
  ['0 3 * * *', 'Pacific/Chatham'],
  ['0 9 * * *', 'Asia/Kolkata'],
  ['@hourly', 'Asia/Kathmandu'],
  ['*/20 * * * * *', 'UTC'],
  ['0 0 29 2 *', 'UTC'],
  ['@every 5 minutes', 'UTC'],
  ['30 seconds', 'UTC'],
];

const ROUNDS = 7;
const ROUND_MS = 400;
const QUERIES = 4096;

// A fixed pseudo-random spread of instants over 2026-2027, the same for every run.
const START = Date.UTC(2026, 0, 1);
const SPAN = 2 * 365 * 86_400_000;
let seed = 20260329;
const afters = Array.from({ length: QUERIES }, () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return START + Math.floor((seed / 2147483648) * SPAN);
});
const anchor = { anchor: new Date(START) };

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Calls per second of `one(i)`, median over ROUNDS rounds of ROUND_MS each. */
function measure(one: (i: number) => unknown): number {
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let calls = 0;
    const began = performance.now();
    let elapsed = 0;
    while (elapsed < ROUND_MS) {
      for (let i = 0; i < 256; i++) one(calls + i);
      calls += 256;
      elapsed = performance.now() - began;
    }
    rates.push((calls / elapsed) * 1000);
  }
  return median(rates);
}

function parsed(schedule: string, timezone: string): Schedule {
  const r = parseSchedule({ schedule, timezone });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

let sink = 0; // keeps results alive so nothing is optimised away
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(11);

console.log(`next-fire computations per second (median of ${ROUNDS} rounds of ${ROUND_MS} ms)\n`);
console.log(`${'schedule'.padEnd(20)} ${'time zone'.padEnd(20)} ${'edgecron'.padStart(11)} ${'cron-parser'.padStart(11)}   ratio`);

const schedules = MIX.map(([text, zone]) => parsed(text, zone));
const ours: number[] = [];
const theirs: number[] = [];
MIX.forEach(([text, zone], k) => {
  const schedule = schedules[k] as Schedule;
  for (const t of afters) sink += nextFireMs(schedule, t, anchor) ?? 0; // warm the zone's offset spans
  const rate = measure((i) => (sink += nextFireMs(schedule, afters[i % QUERIES] as number, anchor) ?? 0));
  ours.push(rate);
  const readable = !text.startsWith('@every') && !text.endsWith('seconds') && typeof cronParserFires(text, zone, new Date(START), 1) !== 'string';
  let reference: number | null = null;
  if (readable) {
    reference = measure((i) => {
      const fires = cronParserFires(text, zone, new Date(afters[i % QUERIES] as number), 1);
      sink += typeof fires === 'string' ? 0 : (fires[0]?.getTime() ?? 0);
    });
    theirs.push(reference);
  }
  const ratio = reference === null ? '' : `${(rate / reference).toFixed(0)}×`.padStart(7);
  console.log(`${text.padEnd(20)} ${zone.padEnd(20)} ${fmt(rate)} ${reference === null ? '          -' : fmt(reference)} ${ratio}`);
});

// The mix: one call per schedule in turn, as a tick over many jobs would make them.
const mixed = measure((i) => {
  const schedule = schedules[i % schedules.length] as Schedule;
  sink += nextFireMs(schedule, afters[i % QUERIES] as number, anchor) ?? 0;
});
const harmonic = (rates: number[]) => rates.length / rates.reduce((sum, r) => sum + 1 / r, 0);
console.log(`\nmix of all ${schedules.length}, round robin: ${fmt(mixed).trim()} per second`);
console.log(
  `cron-parser on the ${theirs.length} it reads (harmonic mean): ${fmt(harmonic(theirs)).trim()} per second; edgecron on the same: ${fmt(
    harmonic(ours.filter((_, k) => !MIX[k]?.[0].startsWith('@every') && !MIX[k]?.[0].endsWith('seconds') && typeof cronParserFires(MIX[k]?.[0] ?? '', MIX[k]?.[1] ?? 'UTC', new Date(START), 1) !== 'string')),
  ).trim()} per second`,
);
console.log(`\nzone offset cache: warm (spans cached) vs cold (emptied before every question)\n`);
console.log(`${'schedule'.padEnd(20)} ${'time zone'.padEnd(20)} ${'warm'.padStart(11)} ${'cold'.padStart(11)}   ratio`);
for (const k of [1, 3, 5, 7]) {
  const [text, zone] = MIX[k] as [string, string];
  const schedule = schedules[k] as Schedule;
  const cold = measure((i) => {
    forgetZoneOffsets();
    sink += nextFireMs(schedule, afters[i % QUERIES] as number, anchor) ?? 0;
  });
  const warm = ours[k] as number;
  console.log(`${text.padEnd(20)} ${zone.padEnd(20)} ${fmt(warm)} ${fmt(cold)} ${`${(warm / cold).toFixed(0)}×`.padStart(7)}`);
}
if (sink === 42) console.log('');
