/**
 * Child-process entry: `node --conditions=@vms/source --import tsx child.ts <case> <params-json>`.
 * Runs one case once (the case warms itself up), then prints `@@bench {json}` with the timed
 * figures and the process's peak RSS, and exits.
 */
import { ERROR_PREFIX, RESULT_PREFIX, type CaseOutput, type Measurement } from './measurement.js';
import { CASE_FUNCTIONS, isCaseFunctionName } from './registry.js';

async function main(): Promise<void> {
  const [name, json = '{}'] = process.argv.slice(2);
  if (!isCaseFunctionName(name)) throw new Error(`Expected a case name (${Object.keys(CASE_FUNCTIONS).join(', ')}), got \`${String(name)}\``);
  const params = JSON.parse(json) as never;
  const fn = (await CASE_FUNCTIONS[name]()) as (p: never) => Promise<CaseOutput>;
  const out = await fn(params);
  const measurement: Measurement = {
    count: out.count,
    ms: out.ms,
    // maxRSS is in KiB on Linux and macOS.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    extra: out.extra ?? {},
  };
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(measurement)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stdout.write(`\n${ERROR_PREFIX}${JSON.stringify(message)}\n`);
    process.exit(1);
  },
);
