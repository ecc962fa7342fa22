import { z } from 'zod';
import { flow, task, type ScheduleSpec } from '@vms/flow-core';

export const TIME_ZONE = 'America/Chicago';

/**
 * Every night at 02:00 Chicago time. Under the default DST policy
 * (`{ gap: 'shift', repeat: 'first' }`) it runs once on the spring-forward night, at 03:00 CDT,
 * the first instant after the gap (02:00 does not exist that night). Chicago's fall-back repeats
 * 01:00-01:59, so 02:00 is untouched then. Preview a schedule before you trust it.
 */
export const nightlySpec: ScheduleSpec = { cron: '0 2 * * *', timezone: TIME_ZONE };

/** A job at 01:30: in the hour the fall-back night repeats, so `dst.repeat` decides (default: the first). */
export const earlySpec: ScheduleSpec = { cron: '30 1 * * *', timezone: TIME_ZONE };

const exportTotals = task({
  name: 'export-totals',
  input: z.object({ target: z.string() }),
  run: async (ctx, { target }) => {
    ctx.log.info('exported', { target });
    return { target, rows: 42 };
  },
});

export const nightlyExport = flow({
  name: 'nightly-export',
  params: z.object({ target: z.string() }),
  run: async (ctx, params) => ctx.run(exportTotals, params),
});
