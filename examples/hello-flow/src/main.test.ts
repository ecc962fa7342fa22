import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));

it('hello-flow prints the retry, the states and the result, then exits on its own', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@vms/source', '--import', 'tsx', 'src/main.ts'], { cwd: dir, timeout: 60_000 });
  const lines = stdout.trim().split('\n');
  expect(lines).toContain('retry: fetch-greeting attempt 1 failed (upstream hiccup), next in 50 ms');
  expect(lines).toContain('flow hello: Running -> Completed');
  expect(lines.at(-1)).toBe('result: HELLO, VOLUNTEERS!');
  expect(lines.filter((l) => l.startsWith('retry:'))).toHaveLength(1);
});
