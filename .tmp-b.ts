import { parseSchedule, nextFireMs } from './src/schedule/index';
for (const [schedule, timezone] of [['*/5 * * * *','UTC'],['0 9 * * 1-5','America/New_York'],['0 0 L * *','Europe/Berlin'],['0 0 * * 5L','UTC'],['*/15 * * * *','Australia/Lord_Howe'], ['* * * * * *', 'UTC'], ['0 0 29 2 1', 'UTC']] as const) {
  const s = parseSchedule({ schedule, timezone }); if (!s.ok) throw new Error();
  let t = Date.UTC(2026,0,1); let n = 0; const t0 = performance.now();
  while (performance.now() - t0 < 500) { for (let i=0;i<100;i++){ const x = nextFireMs(s.value, t); t = x!; n++; } }
  console.log(schedule, timezone, Math.round(n/0.5), '/s', new Date(t).toISOString());
}
