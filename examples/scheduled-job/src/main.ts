/**
 * 1. Preview: the next fire times of two schedules across the 2026 DST changes in Chicago, with
 *    the engine's notes wherever the DST policy moved or chose a slot.
 * 2. Simulation: the spring-forward weekend on a manual clock (no real waiting): the schedule is
 *    stored, fires its slots, and a worker runs them.
 *
 * In production you would write only: `await engine.schedule(nightlyExport, { name, ...nightlySpec,
 * params })` and `await engine.work()`, on the system clock and a durable store.
 *
 *   pnpm --filter @vms/example-scheduled-job start
 */
import { createEngine, MemoryStore } from '@vms/flow-core';
import { ManualClock } from '@vms/flow-core/testing';
import { earlySpec, nightlyExport, nightlySpec, TIME_ZONE } from './nightly.js';

const local = (ms: number): string =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  })
    .format(ms)
    .replace(',', '');

const clock = new ManualClock({ now: Date.parse('2026-03-06T18:00:00Z') }); // Fri 6 March, noon in Chicago
const engine = createEngine({ store: new MemoryStore(), clock });

console.log(`# 02:00 daily (${TIME_ZONE}), spring forward on 8 March 2026`);
for (const e of await engine.preview(nightlySpec, 3)) console.log(`${e.local}${e.note ? `  <- ${e.note}` : ''}`);

console.log(`# 01:30 daily (${TIME_ZONE}), fall back on 1 November 2026`);
for (const e of await engine.preview(earlySpec, 3, Date.parse('2026-10-30T12:00:00Z'))) {
  console.log(`${e.local}${e.note ? `  <- ${e.note}` : ''}`);
}
console.log(`# same, with dst: { repeat: 'both' }`);
for (const e of await engine.preview({ ...earlySpec, dst: { repeat: 'both' } }, 4, Date.parse('2026-10-30T12:00:00Z'))) {
  console.log(`${e.local}${e.note ? `  <- ${e.note}` : ''}`);
}

console.log('# simulated spring-forward weekend');
engine.on('schedule:fired', (e) => console.log(`fired   ${e.scheduleName} slot ${local(e.slot)}`));
engine.on('flow:state', (e) => {
  if (e.to === 'Completed') console.log(`done    ${e.flowName} at ${local(e.at)}`);
});
await engine.schedule(nightlyExport, { name: 'nightly-export', ...nightlySpec, params: { target: 'reports' } });
await engine.work({ pollIntervalMs: 3_600_000, reapIntervalMs: 3_600_000 });
const info = await engine.getSchedule('nightly-export');
console.log(`next    ${info?.nextRunAt ? local(info.nextRunAt.getTime()) : 'none'}`);
await clock.advanceTo(Date.parse('2026-03-09T18:00:00Z')); // to Monday noon
await engine.stop();
