import { z } from 'zod';
import { flow, task } from '@vms/flow-core';

/** A stand-in for real work: counts the volunteer hours of one month. */
const countHours = task({
  name: 'count-hours',
  input: z.object({ month: z.string() }),
  retries: 2,
  run: async (ctx, { month }) => {
    ctx.progress({ done: 1, total: 1, unit: 'month' });
    return { month, hours: month.endsWith('-12') ? 310 : 240 };
  },
});

const formatReport = task({
  name: 'format-report',
  input: z.object({ month: z.string(), hours: z.number() }),
  run: async (_ctx, { month, hours }) => `${month}: ${hours} volunteer hours`,
});

/** The flow the service starts. Params are validated before anything is stored. */
export const monthlyReport = flow({
  name: 'monthly-report',
  params: z.object({ month: z.string().regex(/^\d{4}-\d{2}$/, 'expected YYYY-MM') }),
  run: async (ctx, { month }) => ctx.run(formatReport, await ctx.run(countHours, { month })),
});
