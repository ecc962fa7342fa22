/**
 * Checks a stored task run against the call a resumed flow makes with the same key (SPEC §2.4):
 * - a different task (or a task where a sub-flow was, or the reverse) under one key means the
 *   code changed under an in-flight run: fail with {@link IncompatibleStepError} rather than mix
 *   results of two versions;
 * - an `atMostOnce` task whose start was stored but whose end was not may have had its effect:
 *   fail with {@link AtMostOnceInterruptedError} for a person to decide, never run it again blind.
 */
import { ErrorCode, FlowError } from '../errors.js';
import type { FlowErrorOptions } from '../errors.js';
import type { TaskRunRecord } from '../store/types.js';

/** A resumed run asked for a different step than the one stored under the same task key. */
export class IncompatibleStepError extends FlowError {
  override readonly name = 'IncompatibleStepError';
  /** The task key both refer to. */
  readonly taskKey: string;
  constructor(message: string, taskKey: string, options: FlowErrorOptions = {}) {
    super(ErrorCode.IncompatibleStep, message, { category: 'validation', ...options });
    this.taskKey = taskKey;
  }
}

/** An `atMostOnce` task was interrupted after it started; it is not run again. */
export class AtMostOnceInterruptedError extends FlowError {
  override readonly name = 'AtMostOnceInterruptedError';
  readonly taskKey: string;
  constructor(message: string, taskKey: string, options: FlowErrorOptions = {}) {
    super(ErrorCode.AtMostOnceInterrupted, message, { category: 'validation', ...options });
    this.taskKey = taskKey;
  }
}

/** States in which a task run had started and not finished when its process died. */
const INTERRUPTED = new Set(['Running', 'Retrying', 'Crashed']);

/**
 * The error a resumed call must fail with, or `undefined` when the stored task run fits it.
 * @param kind `task` for `ctx.run(task)`, `flow` for a sub-flow call
 */
export function priorStepError(
  runId: string,
  key: string,
  prior: TaskRunRecord,
  name: string,
  kind: 'task' | 'flow',
  atMostOnce: boolean,
): FlowError | undefined {
  const priorKind = prior.childRunId !== null ? 'flow' : 'task';
  if (prior.taskName !== name || (priorKind !== kind && prior.attempt > 0)) {
    return new IncompatibleStepError(
      `Incompatible step in run \`${runId}\`: task key \`${key}\` was stored for ${priorKind} \`${prior.taskName}\`, ` +
        `but the flow now asks for ${kind} \`${name}\`. The flow's code changed under an in-flight run; ` +
        'finish or cancel the run with the old code, or start a new run.',
      key,
      { runId, taskName: name },
    );
  }
  if (atMostOnce && prior.atMostOnce && prior.attempt > 0 && INTERRUPTED.has(prior.state)) {
    return new AtMostOnceInterruptedError(
      `Task \`${name}\` (key \`${key}\`) in run \`${runId}\` is atMostOnce and was interrupted after it started ` +
        `(attempt ${prior.attempt}, state ${prior.state}); it may or may not have taken effect, so it is not run again. ` +
        'Check the external system, then rerun the flow from this task or cancel it.',
      key,
      { runId, taskName: name },
    );
  }
  return undefined;
}
