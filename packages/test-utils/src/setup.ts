/**
 * Vitest setup shared by every package: any unhandled rejection or uncaught exception fails the
 * suite, even one that vitest would only report after the tests ran.
 */
import { afterAll } from 'vitest';

const seen: unknown[] = [];
const onRejection = (reason: unknown): void => {
  seen.push(reason);
};
process.on('unhandledRejection', onRejection);
process.on('uncaughtException', onRejection);

afterAll(() => {
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onRejection);
  if (seen.length > 0) {
    const first = seen[0];
    throw new Error(
      `${seen.length} unhandled rejection(s)/exception(s) during this file: ${
        first instanceof Error ? (first.stack ?? first.message) : String(first)
      }`,
    );
  }
});
