/**
 * Ready-made `@vms/flow-core` tasks over a {@link SalesforceClient}: a health check, a record
 * count and a small query. Their failures are `SalesforceError`s whose category tells the engine
 * whether to retry (auth and validation never are).
 */
import { task, type TaskOptions } from '@vms/flow-core';
import { z } from 'zod';
import type { ApiUsage } from './api-usage.js';
import type { SalesforceClient, SalesforceRecord } from './client.js';
import { queryAll } from './query-stream.js';
import { soqlIdentifier } from './soql.js';

/** Options of {@link salesforceTasks}. */
export interface SalesforceTasksOptions {
  /** Prefix of the task names (`<prefix>.health-check`, ...). @default 'salesforce' */
  readonly prefix?: string;
  /** Options of every task (retries, timeout in ms, tags). @default { retries: 3 } */
  readonly taskOptions?: TaskOptions;
}

/** Result of the health-check task. */
export interface SalesforceHealth {
  /** Id of a user the session can read (proves the session works). */
  readonly userId: string | null;
  /** Latest `Sforce-Limit-Info` reading. */
  readonly apiUsage: ApiUsage | null;
  /** `DailyApiRequests` from `/limits`. */
  readonly dailyApiRequests: { readonly Max: number; readonly Remaining: number } | null;
}

const objectName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, { error: (iss) => `Expected an object API name, got \`${String(iss.input)}\`` });

/**
 * Tasks bound to a client getter (called in each attempt, so a client can be created lazily or
 * replaced).
 *
 * @example
 * ```ts
 * const sf = salesforceTasks(() => client);
 * const check = flow({ name: 'health', run: (ctx) => ctx.run(sf.healthCheck) });
 * ```
 */
export function salesforceTasks(getClient: () => SalesforceClient | Promise<SalesforceClient>, options: SalesforceTasksOptions = {}) {
  const prefix = options.prefix ?? 'salesforce';
  const common: TaskOptions = { retries: 3, ...options.taskOptions };
  return {
    /** Reads one `User` and `/limits`: proves login, session and API access. */
    healthCheck: task({
      ...common,
      name: `${prefix}.health-check`,
      run: async (): Promise<SalesforceHealth> => {
        const client = await getClient();
        const users = await queryAll(client, 'SELECT Id FROM User LIMIT 1');
        const limits = await client.limits();
        return {
          userId: users[0]?.Id ?? null,
          apiUsage: client.apiUsage ?? null,
          dailyApiRequests: limits.DailyApiRequests ? { Max: limits.DailyApiRequests.Max, Remaining: limits.DailyApiRequests.Remaining } : null,
        };
      },
    }),
    /** `SELECT COUNT() FROM <object> [WHERE <where>]`; build `where` with `soql`. */
    count: task({
      ...common,
      name: `${prefix}.count`,
      input: z.object({ object: objectName, where: z.string().min(1).optional() }),
      run: async (_ctx, { object, where }): Promise<number> => {
        const client = await getClient();
        const page = await client.query(`SELECT COUNT() FROM ${soqlIdentifier(object)}${where ? ` WHERE ${where}` : ''}`);
        return page.totalSize;
      },
    }),
    /** All records of a small query (at most `maxRecords`, default 2,000; more is an error, never a short result). */
    query: task({
      ...common,
      name: `${prefix}.query`,
      input: z.object({ soql: z.string().min(1), maxRecords: z.number().int().min(1).max(50_000).default(2000) }),
      run: async (ctx, { soql, maxRecords }): Promise<SalesforceRecord[]> => {
        const client = await getClient();
        return queryAll(client, soql, { maxRecords, signal: ctx.signal });
      },
    }),
  };
}
