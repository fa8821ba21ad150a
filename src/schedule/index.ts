// The schedule language: pure time math. Time is always a parameter; nothing here reads the
// clock. cron-parser is not on this path (see cron-parser-reference.ts for why).
export type {
  AfterSchedule,
  CronFields,
  CronSchedule,
  DatesSchedule,
  DayMatch,
  EverySchedule,
  FireContext,
  OnStartSchedule,
  OnceSchedule,
  Schedule,
  ScheduleError,
  ScheduleErrorCode,
  ScheduleInput,
} from './types';
export { parseSchedule, MAX_DATES, MIN_INTERVAL_MS } from './parse-schedule';
export { nextFire, nextFireMs } from './next-fire';
export { planMisfire, DEFAULT_MISFIRE_CAP, MAX_MISFIRE_CAP, MISFIRE_COUNT_LIMIT, MISFIRE_POLICIES } from './misfire';
export type { MisfireInput, MisfirePlan, MisfirePolicy } from './misfire';
export { previewSchedule, MAX_PREVIEW_COUNT } from './preview';
export type { SchedulePreview } from './preview';
export { parseInterval, describeInterval, MAX_INTERVAL_MS } from './interval';
export { isValidTimeZone, canonicalTimeZone, formatLocal } from './time-zone';
export { parseInstant } from './instant';
export { quote, QUOTE_LIMIT } from './quote';
