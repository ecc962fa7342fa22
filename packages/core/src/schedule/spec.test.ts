import { describe, expect, it } from 'vitest';
import { FlowError } from '../errors.js';
import { validateScheduleSpec, type ScheduleSpec } from './spec.js';

function errorOf(spec: unknown): FlowError {
  try {
    validateScheduleSpec(spec as ScheduleSpec);
  } catch (error) {
    expect(error).toBeInstanceOf(FlowError);
    return error as FlowError;
  }
  throw new Error('expected validateScheduleSpec to throw');
}

describe('validateScheduleSpec', () => {
  it('fills in the defaults: UTC, gap shift, repeat first', () => {
    const spec = validateScheduleSpec({ cron: ' 0 2 * * * ' });
    expect(spec).toMatchObject({ kind: 'cron', cron: '0 2 * * *', timezone: 'UTC', dst: { gap: 'shift', repeat: 'first' } });
    expect(validateScheduleSpec({ intervalMs: 1000 })).toMatchObject({ kind: 'interval', intervalMs: 1000, anchor: 0 });
  });

  it('rejects an unknown time zone, echoing it', () => {
    const error = errorOf({ cron: '0 2 * * *', timezone: 'America/Chicgo' });
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.category).toBe('validation');
    expect(error.message).toContain('Unknown time zone `America/Chicgo`');
  });

  it('names the cron field at fault and echoes the expression', () => {
    expect(errorOf({ cron: '61 2 * * *' }).message).toBe(
      'Invalid cron expression `61 2 * * *`: minute field `61` is not valid (Invalid value for minute: 61)',
    );
    expect(errorOf({ cron: '0 2 * * mon-fx' }).message).toMatch(/^Invalid cron expression `0 2 \* \* mon-fx`: day-of-week field `mon-fx`/);
    expect(errorOf({ cron: '0 0 2 x * *' }).message).toMatch(/day-of-month field `x`/);
    expect(errorOf({ cron: '0 2 * *' }).message).toContain('expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got 4');
    expect(errorOf({ cron: '0 0 30 2 *' }).message).toContain('never matches');
    expect(errorOf({ cron: '' }).message).toBe('Expected `cron` to be a cron expression such as `0 2 * * *`, got `` (string)');
  });

  it('rejects intervalMs <= 0 or not an integer, echoing the value and its type', () => {
    expect(errorOf({ intervalMs: 0 }).message).toBe('Expected `intervalMs` to be an integer > 0 (ms), got `0` (number)');
    expect(errorOf({ intervalMs: -5 }).message).toContain('got `-5` (number)');
    expect(errorOf({ intervalMs: '60000' }).message).toContain('got `60000` (string)');
    expect(errorOf({ intervalMs: 1.5 }).message).toContain('got `1.5` (number)');
  });

  it('rejects bad DST policies, a spec with both or neither kind, and a bad anchor', () => {
    expect(errorOf({ cron: '0 2 * * *', dst: { gap: 'later' } }).message).toBe(
      "Expected `dst.gap` to be 'shift' or 'skip', got `later` (string)",
    );
    expect(errorOf({ cron: '0 2 * * *', dst: { repeat: 'twice' } }).message).toContain('`dst.repeat`');
    expect(errorOf({ cron: '0 2 * * *', intervalMs: 5 }).message).toContain('got both');
    expect(errorOf({ timezone: 'UTC' }).message).toContain('with `cron` or `intervalMs`');
    expect(errorOf({ intervalMs: 5, anchor: Number.NaN }).message).toContain('`anchor`');
  });
});
