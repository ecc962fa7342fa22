/**
 * What the runner's flows need from the process: the VMS database, lazily connected clients,
 * and settings. `createRunner` builds one; tests build one over real test servers.
 */
import type { SalesforceClient } from '@vms/flow-salesforce';
import type { SheetsClient } from '@vms/flow-sheets';
import type { AlertsHandle } from './alerts-handle';
import type { VmsDatabase } from '../db/database';
import type { SheetRef } from '../config/config';

/** Dependencies of the flows. */
export interface FlowDeps {
  /** The VMS database (one connection; its writes are synchronous per chunk). */
  readonly db: VmsDatabase;
  /** The connected Salesforce client (connected on first use, then shared). */
  salesforce(): Promise<SalesforceClient>;
  /** The Sheets client; throws a validation error naming the missing Google settings. */
  sheets(): SheetsClient;
  /** The virtual-sessions sheet of an academic year, or undefined. */
  sheetFor(academicYear: string): SheetRef | undefined;
  /** IANA zone of sheet times. */
  readonly timeZone: string;
  /** Records per sync transaction. @default 2000 */
  readonly chunkSize: number;
  /** Paths the health check inspects. */
  readonly paths: { readonly vmsDatabase: string; readonly store: string };
  /** Checks the runner's store answers (health check). */
  pingStore(): Promise<void>;
  /** Alerts, when configured (the health check reports to it). @default none */
  readonly alerts?: AlertsHandle | undefined;
  /** The clock. @default () => new Date() */
  now?(): Date;
}
