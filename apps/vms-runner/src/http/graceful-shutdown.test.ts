import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SpanAttribute, SpanName } from '@vms/flow-core';
import { tempDir, type TempDir } from '@vms/test-utils';
import { startOtlpReceiver, type OtlpReceiver } from '../telemetry/otlp-receiver.js';
import { gracefulShutdown } from './graceful-shutdown.js';

const CHILD = fileURLToPath(new URL('./shutdown-child.fixture.ts', import.meta.url));

describe('gracefulShutdown', () => {
  it('runs the steps in order, bounds the drain by its deadline, reports errors, and never throws', async () => {
    const order: string[] = [];
    const report = await gracefulShutdown(
      {
        closeStore: async () => void order.push('store'),
        closeHttp: async () => {
          order.push('http');
          throw new Error('already closed');
        },
        flushTelemetry: async () => void order.push('telemetry'),
        drain: () => new Promise(() => void order.push('drain')), // never ends
        shutdownEngine: async () => void order.push('engine'),
        stopClaiming: async () => void order.push('stop'),
      },
      { drainTimeoutMs: 50, shutdownTimeoutMs: 50, stepTimeoutMs: 50 },
    );
    expect(order).toEqual(['stop', 'drain', 'engine', 'telemetry', 'http', 'store']);
    expect(report.drained).toBe(false);
    expect(report.ok).toBe(false);
    expect(report.steps).toEqual([
      { step: 'stopClaiming', ok: true, timedOut: false },
      { step: 'drain', ok: false, timedOut: true },
      { step: 'shutdownEngine', ok: true, timedOut: false },
      { step: 'flushTelemetry', ok: true, timedOut: false },
      { step: 'closeHttp', ok: false, timedOut: false, error: 'already closed' },
      { step: 'closeStore', ok: true, timedOut: false },
    ]);
    await expect(gracefulShutdown({}, { drainTimeoutMs: 0 })).rejects.toThrow('Expected `drainTimeoutMs` to be an integer >= 1, got `0` (number)');
    await expect(gracefulShutdown({}, { shutdownTimeoutMs: 1.5 })).rejects.toThrow('Expected `shutdownTimeoutMs` to be an integer >= 1, got `1.5` (number)');
  });
});

describe('SIGTERM during a run (child process)', () => {
  let dir: TempDir | undefined;
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    await dir?.cleanup();
  });

  function runChild(mode: 'start' | 'resume', db: string, marks: string, env: Record<string, string>, onLine: (line: string, kill: () => void) => void = () => undefined): Promise<{ code: number | null; lines: string[]; ms: number }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--conditions=@vms/source', '--import', 'tsx', CHILD, mode, db, marks], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const lines: string[] = [];
      let killedAt = 0;
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let i: number;
        while ((i = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          lines.push(line);
          onLine(line, () => {
            killedAt = Date.now();
            child.kill('SIGTERM');
          });
        }
      });
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, lines, ms: killedAt === 0 ? 0 : Date.now() - killedAt }));
    });
  }

  it('exits within 10 s with spans flushed; the next start finishes the run without redoing finished tasks', async () => {
    dir = await tempDir('vms-sigterm-');
    receiver = await startOtlpReceiver();
    const db = join(dir.path, 'runs.db');
    const marks = join(dir.path, 'marks.txt');
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'vms-runner-sigterm' };

    const first = await runChild('start', db, marks, env, (line, kill) => {
      if (line === 'READY') kill();
    });
    expect(first.code).toBe(0);
    expect(first.ms).toBeLessThan(10_000);
    const runId = first.lines.find((l) => l.startsWith('RUN '))?.slice(4) ?? '';
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    const report = JSON.parse(first.lines.find((l) => l.startsWith('REPORT '))?.slice(7) ?? '{}') as { drained: boolean; steps: { step: string; ok: boolean }[] };
    expect(report.drained).toBe(false);
    expect(report.steps.find((s) => s.step === 'flushTelemetry')?.ok).toBe(true);
    // The finished tasks' spans reached the collector before the process exited.
    const taskSpans = receiver.spans.filter((s) => s.name === SpanName.TaskAttempt && s.attributes[SpanAttribute.RunId] === runId);
    expect(taskSpans.map((s) => s.attributes[SpanAttribute.TaskKey]).sort()).toEqual(expect.arrayContaining(['a', 'b']));

    const second = await runChild('resume', db, marks, {});
    expect(second.code).toBe(0);
    expect(second.lines).toContain('FINAL Completed 20');
    const executed = (await readFile(marks, 'utf8')).trim().split('\n');
    // a and b ran once; c ran twice, the second time from its checkpoint, not from zero.
    expect(executed.filter((l) => l.startsWith('a:'))).toHaveLength(1);
    expect(executed.filter((l) => l.startsWith('b:'))).toHaveLength(1);
    const longRuns = executed.filter((l) => l.startsWith('long:'));
    expect(longRuns).toHaveLength(2);
    expect(Number(longRuns[1]?.split(':')[2])).toBeGreaterThanOrEqual(5);
  });
});
