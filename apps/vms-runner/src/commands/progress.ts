/**
 * Live progress of a run: on a terminal, one line per task redrawn in place (records done/total
 * and state); otherwise plain log lines (task state changes, progress every 10%, the run's log).
 */
import type { Engine, LogEvent, ProgressEvent, TaskStateEvent } from '@vms/flow-core';
import type { Output } from './output';

interface Line {
  key: string;
  state: string;
  done: number;
  total: number | undefined;
  unit: string;
}

/** Follows one run (and only it) on `engine`; call the returned function to stop. */
export function followRun(engine: Engine, runId: () => string | undefined, output: Output, options: { logs?: boolean } = {}): () => void {
  const lines = new Map<string, Line>();
  const lastDecile = new Map<string, number>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const mine = (id: string): boolean => runId() === undefined || id === runId();

  const redraw = (): void => {
    timer = undefined;
    const rows = [...lines.values()];
    let text = drawn > 0 ? `\x1b[${drawn}F` : '';
    for (const l of rows) {
      const amount = l.total === undefined ? `${l.done.toLocaleString('en-US')}` : `${l.done.toLocaleString('en-US')}/${l.total.toLocaleString('en-US')}`;
      const pct = l.total ? ` ${Math.floor((100 * l.done) / Math.max(l.total, 1))}%` : '';
      text += `\x1b[2K  ${l.key.padEnd(26)} ${l.state.padEnd(10)} ${amount} ${l.unit}${pct}\n`;
    }
    drawn = rows.length;
    output.write(text);
  };
  const schedule = (): void => {
    if (output.isTTY && timer === undefined) timer = setTimeout(redraw, 100);
  };

  const onTask = (e: TaskStateEvent): void => {
    if (!mine(e.runId)) return;
    const l = lines.get(e.taskKey) ?? { key: e.taskKey, state: e.to, done: 0, total: undefined, unit: '' };
    l.state = e.to;
    lines.set(e.taskKey, l);
    if (output.isTTY) schedule();
    else if (e.to !== 'Pending') output.out(`${new Date(e.at).toISOString()} ${e.taskKey}: ${e.to}${e.error ? ` (${e.error.message})` : ''}`);
  };
  const onProgress = (e: ProgressEvent): void => {
    if (!mine(e.runId)) return;
    const l = lines.get(e.taskKey) ?? { key: e.taskKey, state: 'Running', done: 0, total: undefined, unit: '' };
    l.done = e.done;
    l.total = e.total;
    l.unit = e.unit ?? '';
    lines.set(e.taskKey, l);
    if (output.isTTY) schedule();
    else if (e.total) {
      const decile = Math.floor((10 * e.done) / Math.max(e.total, 1));
      if (decile > (lastDecile.get(e.taskKey) ?? 0) && decile < 10) {
        lastDecile.set(e.taskKey, decile);
        output.out(`${new Date(e.at).toISOString()} ${e.taskKey}: ${e.done}/${e.total} ${e.unit ?? ''}`.trimEnd());
      }
    }
  };
  const onLog = (e: LogEvent): void => {
    if (!mine(e.runId) || output.isTTY || options.logs === false) return;
    output.out(`${new Date(e.at).toISOString()} ${e.level.toUpperCase().padEnd(5)} ${e.taskName ?? e.flowName}: ${e.message}`);
  };
  engine.on('task:state', onTask);
  engine.on('run:progress', onProgress);
  engine.on('log', onLog);
  return () => {
    engine.off('task:state', onTask);
    engine.off('run:progress', onProgress);
    engine.off('log', onLog);
    if (timer !== undefined) {
      clearTimeout(timer);
      redraw();
    }
  };
}
