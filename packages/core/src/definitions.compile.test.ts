/**
 * Compiles small programs against the real type definitions with the TypeScript compiler and
 * asserts which are errors: proof that task input types flow through `ctx.run` and that a wrong
 * input does not compile (the `@ts-expect-error` lines in definitions.test.ts prove the same
 * under `pnpm typecheck`).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const srcDir = dirname(fileURLToPath(import.meta.url));
const packageDir = dirname(srcDir);

function diagnose(sources: Record<string, string>): Record<string, string[]> {
  const configFile = ts.readConfigFile(join(packageDir, 'tsconfig.json'), (p) => readFileSync(p, 'utf8'));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, packageDir);
  const files = new Map(Object.entries(sources).map(([name, text]) => [join(srcDir, `__compile_${name}.ts`), text]));
  const host = ts.createCompilerHost(parsed.options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (f) => files.has(f) || ts.sys.fileExists(f);
  host.readFile = (f) => files.get(f) ?? readFile(f);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = files.get(f);
    return text === undefined ? getSourceFile(f, lang, onError, create) : ts.createSourceFile(f, text, lang);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options: { ...parsed.options, noEmit: true }, host });
  const out: Record<string, string[]> = {};
  for (const [file] of files) {
    const name = file.slice(join(srcDir, '__compile_').length, -3);
    out[name] = ts
      .getPreEmitDiagnostics(program, program.getSourceFile(file))
      .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }
  return out;
}

const prelude = `
import { z } from 'zod';
import { flow, task } from './index.js';
const fetchPage = task({
  name: 'fetch-page',
  input: z.object({ page: z.number().int() }),
  run: async (_ctx, { page }) => ({ page, rows: ['a'] }),
});
`;

describe('types (compiled with tsc)', () => {
  it('a correct call compiles and its result is typed; a wrong input, a missing input and a misuse of the result do not', () => {
    const result = diagnose({
      ok: `${prelude}
export const f = flow({ name: 'f', run: async (ctx) => {
  const r = await ctx.run(fetchPage, { page: 1 });
  const rows: string[] = r.rows;
  const n: number = r.page;
  return rows.length + n;
} });`,
      wrongInput: `${prelude}
export const f = flow({ name: 'f', run: async (ctx) => ctx.run(fetchPage, { page: 'one' }) });`,
      missingInput: `${prelude}
export const f = flow({ name: 'f', run: async (ctx) => ctx.run(fetchPage) });`,
      wrongResultUse: `${prelude}
export const f = flow({ name: 'f', run: async (ctx) => { const r = await ctx.run(fetchPage, { page: 1 }); const s: string = r.page; return s; } });`,
    });
    expect(result['ok']).toEqual([]);
    expect(result['wrongInput']).toHaveLength(1);
    expect(result['wrongInput']?.[0]).toMatch(/^TS2322: Type 'string' is not assignable to type 'number'/);
    expect(result['missingInput']?.[0]).toMatch(/^TS2554: Expected 2-3 arguments, but got 1/);
    expect(result['wrongResultUse']?.[0]).toMatch(/^TS2322: Type 'number' is not assignable to type 'string'/);
  }, 60_000);
});
