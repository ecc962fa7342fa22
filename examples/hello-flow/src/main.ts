/**
 * The smallest useful flow: fetch a greeting (the first attempt fails, the retry succeeds), then
 * shout it. Runs on the default in-memory store and prints what happened.
 *
 *   pnpm --filter @vms/example-hello-flow start
 */
import { z } from 'zod';
import { createEngine, flow, task } from '@vms/flow-core';

let calls = 0;
const fetchGreeting = task({
  name: 'fetch-greeting',
  input: z.object({ name: z.string().min(1) }),
  retries: 2, // up to 3 attempts
  retryDelay: 50, // ms between attempts
  run: async (ctx, { name }) => {
    calls += 1;
    if (calls === 1) throw new Error('upstream hiccup');
    ctx.log.info('fetched', { name });
    return `hello, ${name}`;
  },
});

const shout = task({
  name: 'shout',
  input: z.string(),
  run: async (_ctx, text) => `${text.toUpperCase()}!`,
});

const hello = flow({
  name: 'hello',
  params: z.object({ name: z.string().min(1) }),
  run: async (ctx, { name }) => {
    const greeting = await ctx.run(fetchGreeting, { name });
    return ctx.run(shout, greeting);
  },
});

const engine = createEngine();
engine.on('task:retry', (e) => console.log(`retry: ${e.taskName} attempt ${e.attempt} failed (${e.error.message}), next in ${e.delayMs} ms`));
engine.on('flow:state', (e) => console.log(`flow ${e.flowName}: ${e.from ?? '-'} -> ${e.to}`));

const result = await engine.run(hello, { name: 'volunteers' });
console.log(`result: ${result}`);
await engine.stop();
