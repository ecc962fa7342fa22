/** What the server process takes and reports (shared by the parent and the child). */
import type { Scale } from 'vms-runner/src/generator/volumes';

/** Parameters of the server process. */
export interface ServerParams {
  readonly scale: Scale;
  /** Injected delay before every API response, ms. @default 0 */
  readonly latencyMs?: number;
  /** Records per query page. @default 2000 */
  readonly pageSize?: number;
}

/** What the server process reports once listening. */
export interface ServerInfo {
  readonly url: string;
  readonly credentials: { username: string; password: string; securityToken: string; clientId: string; clientSecret: string };
  /** Records each entity's sync query returns. */
  readonly counts: Record<string, number>;
  readonly pageSize: number;
  readonly seedMs: number;
}

export const SERVER_PREFIX = '@@server ';
