/**
 * Command-line dispatch: `vms-runner <command> [options]`. Every command returns an exit code;
 * nothing here calls `process.exit`, so pending output and handles close normally.
 */
import { parseArgs } from 'node:util';
import { FlowError } from '@vms/flow-core';
import { ConfigError } from '../config/errors';
import { loadConfig, type ConfigRequirement } from '../config/config';
import { scrubSecrets } from '../config/redact';
import { parseScale } from './args';
import { demoCommand } from './demo';
import { doctorCommand } from './doctor';
import { migrateLegacyCommand } from './migrate-legacy';
import { processOutput, type Output } from './output';
import { cancelCommand, runsCommand, schedulesCommand, showCommand } from './inspect';
import { runCommand } from './run';
import { startCommand } from './start';

export const USAGE = `Usage: vms-runner <command> [options]

Commands:
  demo [--scale 1|prod|N] [--dataset dir] [--serve] [--dir path] [--seed n] [--port n]
                          generated Salesforce + Sheets test servers -> full sync + virtual-session import
  start                   recover, schedules, workers, HTTP API + dashboard; stops on SIGTERM/SIGINT
  run <flow> [--param k=v ...]
                          one run in the foreground; exit 0 only when it completes
  runs [--flow name] [--state s] [--limit n]
                          recent runs
  show <runId>            one run with its task runs and last log lines
  cancel <runId>          cancel a queued or running run
  schedules [pause|resume <name>]
                          list schedules with their next fire times, or pause/resume one
  doctor                  check configuration and connectivity, and say how to fix problems
  migrate-legacy <file>   import a sync-log history (CSV or JSON) as historical runs

Flows: full-salesforce-sync, incremental-salesforce-sync, virtual-session-import (--param academicYear=2024-2025), health-check
Configuration: environment variables (or .env); see the README or run \`vms-runner doctor\`.`;

/** Usage error: bad command line. */
export class UsageError extends FlowError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message, { category: 'validation' });
  }
}

/** Loads the configuration a command needs. */
export function configFor(require: readonly ConfigRequirement[]): ReturnType<typeof loadConfig> {
  return loadConfig(process.env, { require });
}

/** Runs the command line `argv` (without node and script); resolves with the exit code. */
export async function main(argv: readonly string[], output: Output = processOutput): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'demo': {
        const { values } = parseArgs({
          args: rest,
          options: {
            scale: { type: 'string' },
            dataset: { type: 'string' },
            serve: { type: 'boolean' },
            dir: { type: 'string' },
            seed: { type: 'string' },
            port: { type: 'string' },
          },
          strict: true,
        });
        const { code } = await demoCommand(
          {
            scale: parseScale(values.scale ?? '1'),
            ...(values.dataset !== undefined ? { dataset: values.dataset } : {}),
            serve: values.serve ?? false,
            ...(values.dir !== undefined ? { dir: values.dir } : {}),
            ...(values.seed !== undefined ? { seed: intArg('--seed', values.seed, 0) } : {}),
            ...(values.port !== undefined ? { port: intArg('--port', values.port, 0, 65_535) } : {}),
          },
          output,
        );
        return code;
      }
      case 'start':
        parseArgs({ args: rest, options: {}, strict: true });
        return await startCommand(output);
      case 'run': {
        const { values, positionals } = parseArgs({ args: rest, options: { param: { type: 'string', multiple: true } }, allowPositionals: true, strict: true });
        if (positionals.length !== 1) throw new UsageError(`Expected one flow name after \`run\`, got ${positionals.length === 0 ? 'none' : positionals.map((p) => `\`${p}\``).join(', ')}`);
        return await runCommand(positionals[0] as string, values.param ?? [], output);
      }
      case 'runs': {
        const { values } = parseArgs({ args: rest, options: { flow: { type: 'string' }, state: { type: 'string' }, limit: { type: 'string' } }, strict: true });
        return await runsCommand(
          { ...(values.flow ? { flow: values.flow } : {}), ...(values.state ? { state: values.state } : {}), limit: values.limit ? intArg('--limit', values.limit, 1, 1000) : 20 },
          output,
        );
      }
      case 'show':
      case 'cancel': {
        const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true, strict: true });
        if (positionals.length !== 1) throw new UsageError(`Expected one run id after \`${command}\``);
        return command === 'show' ? await showCommand(positionals[0] as string, output) : await cancelCommand(positionals[0] as string, output);
      }
      case 'schedules': {
        const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true, strict: true });
        const [action, name] = positionals;
        if (action !== undefined && (!['pause', 'resume'].includes(action) || name === undefined || positionals.length !== 2)) {
          throw new UsageError(`Expected \`schedules\`, \`schedules pause <name>\` or \`schedules resume <name>\`, got \`schedules ${positionals.join(' ')}\``);
        }
        return await schedulesCommand(action as 'pause' | 'resume' | undefined, name, output);
      }
      case 'doctor':
        parseArgs({ args: rest, options: {}, strict: true });
        return await doctorCommand(process.env, output);
      case 'migrate-legacy': {
        const { positionals, values } = parseArgs({ args: rest, options: { format: { type: 'string' } }, allowPositionals: true, strict: true });
        if (positionals.length !== 1) throw new UsageError('Expected one file after `migrate-legacy`');
        const format = values.format;
        if (format !== undefined && format !== 'csv' && format !== 'json') throw new UsageError(`Expected \`--format csv\` or \`--format json\`, got \`${format}\``);
        return await migrateLegacyCommand(positionals[0] as string, output, format ? { format } : {});
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        output.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command \`${command}\``);
    }
  } catch (error) {
    return report(error, output);
  }
}

function intArg(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${value}\``);
  return n;
}

/** Prints an error for a person and returns its exit code. */
export function report(error: unknown, output: Output): number {
  if (error instanceof ConfigError) {
    output.err(error.message);
    output.err('Fix these settings (environment or .env) and try again; `vms-runner doctor` explains each one.');
    return 2;
  }
  if (error instanceof UsageError || (error as { code?: unknown })?.code === 'INVALID_PARAMS' || (error as { code?: unknown })?.code === 'USAGE' || (error as { code?: unknown })?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (error as { code?: unknown })?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || (error as { code?: unknown })?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    output.err(`vms-runner: ${(error as Error).message}`);
    output.err('Run `vms-runner help` for usage.');
    return 2;
  }
  let message = error instanceof Error ? error.message : String(error);
  try {
    message = scrubSecrets(message, loadConfig(process.env, {}));
  } catch {
    // configuration unreadable: the message is printed as the command produced it
  }
  output.err(`vms-runner: ${message}`);
  return 1;
}
