/**
 * zod schemas of every API input (bodies, query strings, path parameters) and the helper that
 * turns zod issues into the `problems` of a 400 response.
 */
import { z } from 'zod';
import { RUN_STATES, type RunState } from '@vms/flow-core';
import { HttpError, HttpErrorCode, type Problem } from './errors.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** A flow, schedule or run id in a path or body: letters, digits, `._:-`, at most 200 characters. */
export const Name = z.string().regex(NAME, 'must be 1-200 letters, digits or ._:- (starting with a letter or digit)');

/** Body of `POST /api/runs`. */
export const TriggerBody = z.strictObject({
  /** The flow to run. */
  flow: Name,
  /** Its params (validated again with the flow's own schema). */
  params: z.record(z.string(), z.unknown()).default({}),
  /** Returns the existing run for a key already used. */
  idempotencyKey: z.string().min(1).max(200).optional(),
});
export type TriggerBody = z.infer<typeof TriggerBody>;

const stateList = z
  .string()
  .transform((value) => value.split(',').map((s) => s.trim()).filter((s) => s !== ''))
  .pipe(z.array(z.enum(RUN_STATES as [RunState, ...RunState[]])).min(1));

/** Query of `GET /api/runs`. */
export const ListRunsParams = z.strictObject({
  flow: Name.optional(),
  /** One state or several, comma-separated (`Failed,Crashed`). */
  state: stateList.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});
export type ListRunsParams = z.infer<typeof ListRunsParams>;

/** Periods `GET /api/stats` accepts, and their length in ms. */
export const PERIODS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '90d': 90 * 86_400_000 } as const;
/** Bucket sizes `GET /api/stats` accepts. */
export const BUCKETS = { hour: 3_600_000, day: 86_400_000 } as const;

/** Query of `GET /api/stats`. */
export const StatsParams = z.strictObject({
  flow: Name.optional(),
  /** How far back from now. @default '7d' */
  period: z.enum(Object.keys(PERIODS) as [keyof typeof PERIODS, ...(keyof typeof PERIODS)[]]).default('7d'),
  /** Split the period into buckets; omit for one bucket per flow. */
  bucket: z.enum(Object.keys(BUCKETS) as [keyof typeof BUCKETS, ...(keyof typeof BUCKETS)[]]).optional(),
});
export type StatsParams = z.infer<typeof StatsParams>;

/** Query of `GET /api/runs/:id`. */
export const RunDetailParams = z.strictObject({
  /** Log lines returned, oldest first. @default 500 */
  logLimit: z.coerce.number().int().min(0).max(10_000).default(500),
});

/** Turns zod issues into problems whose paths start with `where`. */
export function toProblems(where: 'body' | 'query' | 'path' | 'body.params', error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/** Parses `input` with `schema` or throws a 400 {@link HttpError} listing every problem. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: 'body' | 'query' | 'path' | 'body.params',
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new HttpError(HttpErrorCode.BadRequest, `Invalid ${where === 'body.params' ? 'flow params' : `request ${where}`}`, toProblems(where, result.error));
  }
  return result.data;
}
