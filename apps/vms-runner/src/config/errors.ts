/** The runner's configuration error: every problem at once, never a secret. */
import { FlowError } from '@vms/flow-core';

/** Codes of {@link ConfigError}. */
export const ConfigErrorCode = {
  Invalid: 'CONFIG_INVALID',
  EnvFile: 'CONFIG_ENV_FILE',
} as const;
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** One bad or missing setting. */
export interface ConfigProblem {
  /** The environment variable (or setting) at fault, e.g. `HTTP_PORT`. */
  readonly setting: string;
  /** What is wrong and what is expected; never the value of a secret. */
  readonly message: string;
}

/** A configuration that cannot start the runner. `problems` lists every one. */
export class ConfigError extends FlowError {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], code: ConfigErrorCode = ConfigErrorCode.Invalid) {
    const n = problems.length;
    super(
      code,
      `Invalid configuration (${n} problem${n === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p.setting}: ${p.message}`).join('\n')}`,
      { category: 'validation' },
    );
    this.problems = problems;
  }
}
