import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { InvalidOptionError, InvalidParamsError } from './errors.js';
import { createEngine, flow, task, type FlowContext, type InputOf, type OutputOf } from './index.js';
import { MemoryStore } from './testing.js';

const fetchPage = task({
  name: 'fetch-page',
  input: z.object({ page: z.number().int(), size: z.number().int().default(100) }),
  run: async (_ctx, input) => {
    expectTypeOf(input).toEqualTypeOf<{ page: number; size: number }>();
    return { page: input.page, rows: ['a', 'b'] as string[] };
  },
});

const noInput = task({ name: 'no-input', run: async () => 42 });
const annotated = task({ name: 'annotated', run: (_ctx, input: { ids: string[] }) => input.ids.length });

const child = flow({ name: 'child', params: z.object({ year: z.number() }), run: async (_ctx, { year }) => `y${year}` });

describe('types: input and output types flow through ctx.run without casts', () => {
  it('task and flow types are inferred from zod schemas and bodies', () => {
    expectTypeOf<InputOf<typeof fetchPage>>().toEqualTypeOf<{ page: number; size?: number | undefined }>();
    expectTypeOf<OutputOf<typeof fetchPage>>().toEqualTypeOf<{ page: number; rows: string[] }>();
    expectTypeOf<InputOf<typeof annotated>>().toEqualTypeOf<{ ids: string[] }>();
    expectTypeOf<OutputOf<typeof noInput>>().toEqualTypeOf<number>();
    expectTypeOf<OutputOf<typeof child>>().toEqualTypeOf<string>();
  });

  it('ctx.run returns the task result type; a wrong input is a compile error (checked by `tsc` in typecheck)', async () => {
    const f = flow({
      name: 'typed',
      run: async (ctx: FlowContext) => {
        const page = await ctx.run(fetchPage, { page: 1 });
        expectTypeOf(page).toEqualTypeOf<{ page: number; rows: string[] }>();
        const n = await ctx.run(noInput);
        expectTypeOf(n).toEqualTypeOf<number>();
        const s = await ctx.run(child, { year: 2026 });
        expectTypeOf(s).toEqualTypeOf<string>();
        const many = await ctx.map(fetchPage, [{ page: 1 }, { page: 2 }]);
        expectTypeOf(many).toEqualTypeOf<{ page: number; rows: string[] }[]>();
        if (ctx.attempt < 0) {
          // @ts-expect-error page must be a number
          await ctx.run(fetchPage, { page: 'one' });
          // @ts-expect-error input is required
          await ctx.run(fetchPage);
          // @ts-expect-error unknown key for an annotated input
          await ctx.run(annotated, { idz: [] });
          // @ts-expect-error sub-flow params are checked too
          await ctx.run(child, { year: '2026' });
        }
        return page.rows.length + n + s.length;
      },
    });
    const engine = createEngine();
    expectTypeOf(engine.run(f)).resolves.toEqualTypeOf<number>();
    // @ts-expect-error params of `child` are required
    void engine.start(child).catch(() => undefined);
    expect(await engine.run(f)).toBe(2 + 42 + 5);
    await engine.stop();
  });
});

describe('bad input', () => {
  it('invalid flow params fail before any task runs; the error lists every zod issue; nothing is stored', async () => {
    const store = new MemoryStore();
    const engine = createEngine({ store });
    let ran = 0;
    const t = task({ name: 't', run: () => void ran++ });
    const f = flow({
      name: 'sync',
      params: z.object({ year: z.number().int().min(2000), email: z.email() }),
      run: (ctx) => ctx.run(t),
    });
    const error = await engine.start(f, { year: 1999, email: 'nope' } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParamsError);
    const invalid = error as InvalidParamsError;
    expect(invalid.code).toBe('INVALID_PARAMS');
    expect(invalid.category).toBe('validation');
    expect(invalid.issues.map((i) => i.path)).toEqual([['year'], ['email']]);
    expect(invalid.message).toContain('Invalid params of flow `sync`');
    expect(invalid.message).toMatch(/- year: .*>=\s?2000/);
    expect(invalid.message).toMatch(/- email: Invalid email/);
    expect(ran).toBe(0);
    expect((await store.listRuns()).items).toEqual([]);
    await engine.stop();
  });

  it('invalid task input fails the call (not retried) and is stored with the issues', async () => {
    const store = new MemoryStore();
    const engine = createEngine({ store });
    let ran = 0;
    const t = task({ name: 'strict', retries: 3, input: z.object({ n: z.number() }), run: () => void ran++ });
    const f = flow({ name: 'f', run: (ctx) => ctx.run(t, { n: 'x' } as never) });
    const h = await engine.start(f);
    await expect(h.result()).rejects.toBeInstanceOf(InvalidParamsError);
    expect(ran).toBe(0);
    const [taskRun] = await store.getTaskRunsByRun(h.runId);
    expect(taskRun?.state).toBe('Failed');
    expect(taskRun?.error?.message).toContain('- n:');
    await engine.stop();
  });

  it.each([
    [() => task({ name: 't', retries: -1, run: () => 1 }), 'Expected `retries` to be an integer >= 0, got `-1` (number)'],
    [() => flow({ name: 'f', timeout: 0, run: () => 1 }), 'Expected `timeout` to be an integer >= 1, got `0` (number)'],
    [() => task({ name: '', run: () => 1 }), 'Expected `name` to be a non-empty string, got `""` (string)'],
    [() => task({ name: 't', input: {} as never, run: () => 1 }), 'Expected `input` to be a zod schema, got `{}` (object)'],
    [() => task({ name: 't', tags: ['ok', 3] as never, run: () => 1 }), 'Expected `tags[1]` to be a non-empty string, got `3` (number)'],
    [() => createEngine({ concurrency: 0 }), 'Expected `concurrency` to be an integer >= 1 or Infinity, got `0` (number)'],
    [() => createEngine({ tags: { salesforce: -2 } }), 'Expected `tags.salesforce` to be an integer >= 1 or Infinity, got `-2` (number)'],
    [() => createEngine({ queues: { default: 1.5 } }), 'Expected `queues.default` to be an integer >= 1 or Infinity, got `1.5` (number)'],
    [() => createEngine({ rateLimits: { sf: { limit: 0, intervalMs: 1000 } } }), 'Expected `rateLimits.sf.limit` to be an integer >= 1, got `0` (number)'],
  ])('invalid option throws at definition, naming the value: %#', (make, message) => {
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(message);
  });
});
