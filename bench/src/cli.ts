/**
 * `pnpm bench [--quick] [--scales 1,10,prod] [--only engine,sync,critical-path] [--reps N]
 * [--out FILE] [--cpu-prof DIR]`: runs the suite and writes the results into BENCHMARKS.md
 * (at the repository root unless `--out` says otherwise).
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo } from './machine.js';
import { renderResults, writeResults } from './report.js';
import { GROUP_NAMES, runSuite, type GroupName } from './suite.js';

const SKELETON = `# Benchmarks

Reproduce with \`pnpm bench\` (about 25 minutes on 2 cores; \`pnpm bench -- --quick\` for a smoke run).
`;

function parseScale(s: string): number | 'prod' {
  if (s === 'prod') return 'prod';
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new TypeError(`Expected each of \`--scales\` to be a number > 0 or \`prod\`, got \`${s}\``);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      quick: { type: 'boolean', default: false },
      scales: { type: 'string' },
      only: { type: 'string' },
      reps: { type: 'string' },
      out: { type: 'string' },
      'cpu-prof': { type: 'string' },
    },
  });
  const only = values.only?.split(',').map((g) => {
    if (!(GROUP_NAMES as readonly string[]).includes(g)) throw new TypeError(`Expected \`--only\` to list groups of ${GROUP_NAMES.join(', ')}, got \`${g}\``);
    return g as GroupName;
  });
  const reps = values.reps === undefined ? undefined : Number(values.reps);
  if (reps !== undefined && (!Number.isInteger(reps) || reps < 1)) throw new TypeError(`Expected \`--reps\` to be an integer >= 1, got \`${values.reps}\``);
  const out = values.out ?? fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
  const before = machineInfo();
  const result = await runSuite({
    quick: values.quick,
    ...(values.scales ? { scales: values.scales.split(',').map(parseScale) } : {}),
    ...(only ? { only } : {}),
    ...(reps ? { reps } : {}),
    ...(values['cpu-prof'] ? { cpuProfDir: values['cpu-prof'] } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const command = `pnpm bench${process.argv.slice(2).filter((a) => a !== '--' && !a.startsWith('--out') && a !== values.out).length > 0 ? ` -- ${process.argv.slice(2).filter((a) => a !== '--' && !a.startsWith('--out') && a !== values.out).join(' ')}` : ''}`;
  const text = renderResults(result, { before, after: machineInfo() }, command);
  writeResults(out, text, SKELETON);
  process.stdout.write(`${text}\n\nwritten to ${out}\n`);
  if (result.cases.some((c) => c.error !== undefined)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
