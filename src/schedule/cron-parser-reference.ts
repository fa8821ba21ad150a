// cron-parser, the one file that imports it, kept as a reference to measure and test against,
// not on the engine's path. Measured here (bench/schedule-next-fire.ts) it computes 1-40
// thousand next fires per second, far short of the millions the engine needs, and it breaks
// edgecron's rules in zones whose clocks change by 30 minutes (Australia/Lord_Howe): it skips
// wall times the clocks jump over instead of moving them forward, and in the repeated half hour
// a `*/15 * * * *` schedule loses the second occurrences. It also lets `*/2` in day-of-month
// widen day-of-week (OR), where Vixie cron and pg_cron require both (a field starting with `*`
// counts as unrestricted). Our own engine (cron-next.ts) replaces it; the tests compare the two
// where cron-parser is right.
import { CronExpressionParser } from 'cron-parser';

/** The next `count` fires strictly after `after` according to cron-parser, or its error text. */
export function cronParserFires(expression: string, timezone: string, after: Date, count: number): Date[] | string {
  try {
    const cron = CronExpressionParser.parse(expression, { tz: timezone, currentDate: after });
    const fires: Date[] = [];
    for (let i = 0; i < count && cron.hasNext(); i++) fires.push(cron.next().toDate());
    return fires;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
