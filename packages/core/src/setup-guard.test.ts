/**
 * Proves the shared vitest setup (`packages/test-utils/src/setup.ts`, wired in vitest.shared.ts)
 * fails a test file on an unhandled rejection: it runs vitest on a fixture file in a temp dir,
 * once with the setup and once without (control), with vitest's own unhandled-error reporting
 * switched off so only the setup can fail the run.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const vitestBin = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const setupFile = fileURLToPath(new URL('../../test-utils/src/setup.ts', import.meta.url));

const fixture = `
it('passes its own assertion but leaks a rejection', async () => {
  Promise.reject(new Error('leaked on purpose'));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect([1].length).toBe(1);
});
`;

function runVitest(dir: string, config: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitestBin, 'run', '--root', dir, '--config', join(dir, config)], {
      cwd: dir,
      env: { ...process.env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('shared test setup', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vms-setup-guard-'));
    await writeFile(join(dir, 'leak.test.js'), fixture);
    const base = { globals: true, include: ['leak.test.js'], dangerouslyIgnoreUnhandledErrors: true };
    await writeFile(join(dir, 'with-setup.config.mjs'), `export default ${JSON.stringify({ test: { ...base, setupFiles: [setupFile] } })};\n`);
    await writeFile(join(dir, 'without-setup.config.mjs'), `export default ${JSON.stringify({ test: base })};\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fails a file that leaks an unhandled rejection (exit code non-zero, reason named)', async () => {
    const { code, output } = await runVitest(dir, 'with-setup.config.mjs');
    expect(code).not.toBe(0);
    expect(output).toContain('1 unhandled rejection(s)/exception(s) during this file');
    expect(output).toContain('leaked on purpose');
  });

  it('control: without the setup the same file passes, so the failure above is the setup’s doing', async () => {
    const { code, output } = await runVitest(dir, 'without-setup.config.mjs');
    expect(output).not.toContain('unhandled rejection(s)/exception(s)');
    expect(code).toBe(0);
  });
});
