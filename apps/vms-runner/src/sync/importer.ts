/**
 * The importer of one entity: consumes chunks of Salesforce records and writes them in one
 * transaction per chunk.
 *
 * - Every record is validated by its mapper before any write; its writes run inside a savepoint,
 *   so a record that still fails in the database rolls back alone: a bad row never rolls back
 *   good rows (VMS-DOMAIN.md §6.1).
 * - Row problems are stored in `row_errors` with a code, all of them; the result keeps the first
 *   `maxErrorsInResult`.
 * - A record whose parent is missing goes to `pending_imports`; {@link EntityImporter.resolvePending}
 *   retries the queue (later runs resolve it once the parent arrived).
 * - The watermark and the sync log's counts are written with each chunk, so a crash loses
 *   neither (§6.2, §6.5).
 */
import type { VmsDatabase } from '../db/database';
import { VmsError, VmsErrorCode, describeValue, invalidOption } from '../db/errors';
import { transaction } from '../db/transaction';
import type { EntityName } from './dag';
import { entityDefinition } from './entities';
import type { EntityDefinition, EntityWriter, SfRecord, WriteOutcome } from './entity';
import { prepareFlags, type Flags } from './flags';
import { RowErrorCode, classifyRowException, type RowError, type RowIssue } from './row-errors';
import { compareCursors, cursorOf, maxCursor, type Cursor } from './soql';
import { readWatermark } from './watermark';

/** Record counts of one entity run. */
export interface EntityCounts {
  /** Records read from the source (each is exactly one of the next five). */
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Not written on purpose (student affiliations, duplicates) or queued for a missing parent. */
  skipped: number;
  /** Rejected by validation or by the database. */
  failed: number;
  /** Of `skipped`: records put in the pending queue this run. */
  queued: number;
  /** Pending records from earlier runs written by this run's sweep (not in `processed`). */
  resolved: number;
  /** Records written with a warning (a value dropped or defaulted). */
  warnings: number;
}

/** The outcome of one entity run. */
export interface EntityResult extends EntityCounts {
  readonly entity: EntityName;
  readonly mode: 'full' | 'incremental';
  /** `success`: no row errors; `partial`: some; `failed`: nothing written, or the run threw. */
  readonly status: 'success' | 'partial' | 'failed';
  readonly syncLogId: number;
  readonly startedAt: string;
  readonly completedAt: string;
  /** Watermark before and after the run. */
  readonly watermarkBefore: Cursor | null;
  readonly watermarkAfter: Cursor | null;
  /** The first `maxErrorsInResult` row errors and warnings (all are in `row_errors`). */
  readonly errors: readonly RowError[];
  /** How many row errors and warnings the run stored. */
  readonly errorCount: number;
  /** The error that stopped the run, if one did. */
  readonly error?: string;
}

/** Progress after one committed chunk. */
export interface ChunkProgress {
  readonly entity: EntityName;
  /** Cursor of the chunk's last record: pass it as `resumeAfter` to continue after this chunk. */
  readonly resumeAfter: Cursor | null;
  /** Id of the chunk's last record. */
  readonly lastId: string | null;
  readonly counts: Readonly<EntityCounts>;
}

/** Options of {@link EntityImporter} and {@link importEntity}. */
export interface ImportOptions {
  /**
   * `full` or `incremental`, as planned (recorded in the sync log).
   * @default 'full'
   */
  mode?: 'full' | 'incremental';
  /**
   * Whether the source yields records in `(SystemModstamp, Id)` order (as the planned SOQL does).
   * Then the watermark advances with every chunk; otherwise only when the run succeeds.
   * @default true
   */
  ordered?: boolean;
  /** The flow run id, stored with the sync log and row errors. @default null */
  runId?: string | null;
  /**
   * Row errors kept in the result (all are stored).
   * @default 100
   */
  maxErrorsInResult?: number;
  /**
   * Sweeps after which a pending record is marked `likely_sf_orphan` and no longer retried.
   * @default 10
   */
  pendingMaxRetries?: number;
  /** The clock, for stored timestamps. @default () => new Date() */
  now?: () => Date;
  /**
   * Records per transaction when the source yields single records (arrays are taken as given).
   * @default 2000
   */
  chunkSize?: number;
  /** Called after each committed chunk (checkpoint and progress hook). Awaited. */
  onChunk?: (progress: ChunkProgress) => void | Promise<void>;
  /** Stops between chunks when aborted (the run is recorded as failed). */
  signal?: AbortSignal;
}

/** Pending records retried per transaction. */
const PENDING_BATCH = 500;

const emptyCounts = (): EntityCounts => ({ processed: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, queued: 0, resolved: 0, warnings: 0 });

/** A record's write threw on the fast path (no savepoints): the chunk is redone row by row. */
class RowWriteFailed extends Error {
  constructor(readonly original: unknown) {
    super('A record was rejected by the database');
  }
}

function isRecord(value: unknown): value is SfRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Imports one entity chunk by chunk. Synchronous per chunk (call between awaits), so it can be
 * wrapped in an engine task with a checkpoint after each chunk.
 *
 * @example
 * ```ts
 * const importer = new EntityImporter(db, 'volunteers', { mode: 'full' });
 * for await (const chunk of pages) importer.importChunk(chunk);
 * importer.resolvePending();
 * const result = importer.finish();
 * ```
 */
export class EntityImporter {
  readonly entity: EntityName;
  private readonly def: EntityDefinition<unknown>;
  private readonly write: EntityWriter<unknown>;
  private readonly flags: Flags;
  private readonly counts = emptyCounts();
  private readonly kept: RowError[] = [];
  private errorCount = 0;
  private readonly queuedThisRun = new Set<string>();
  private readonly options: Required<Omit<ImportOptions, 'onChunk' | 'signal' | 'runId'>> & { runId: string | null };
  private readonly syncLogId: number;
  private readonly startedAt: string;
  private readonly watermarkBefore: Cursor | null;
  private maxSeen: Cursor | null = null;
  private lastCursor: Cursor | null = null;
  private lastId: string | null = null;
  private finished = false;
  /** Whether the entity had open pending records when the run started (else no resolve updates). */
  private readonly hadPending: boolean;
  /** Whether open `import_error` flags of this entity may exist (else no resolve updates). */
  private openImportErrors: boolean;
  private readonly stmt;

  constructor(
    private readonly db: VmsDatabase,
    entity: EntityName,
    options: ImportOptions = {},
  ) {
    this.def = entityDefinition(entity);
    this.entity = this.def.name;
    const maxErrorsInResult = options.maxErrorsInResult ?? 100;
    if (!Number.isInteger(maxErrorsInResult) || maxErrorsInResult < 0) invalidOption('maxErrorsInResult', 'an integer >= 0', maxErrorsInResult);
    const pendingMaxRetries = options.pendingMaxRetries ?? 10;
    if (!Number.isInteger(pendingMaxRetries) || pendingMaxRetries < 1) invalidOption('pendingMaxRetries', 'an integer >= 1', pendingMaxRetries);
    const chunkSize = options.chunkSize ?? 2000;
    if (!Number.isInteger(chunkSize) || chunkSize < 1) invalidOption('chunkSize', 'an integer >= 1', chunkSize);
    const mode = options.mode ?? 'full';
    if (mode !== 'full' && mode !== 'incremental') invalidOption('mode', "'full' or 'incremental'", mode);
    this.options = { mode, ordered: options.ordered ?? true, maxErrorsInResult, pendingMaxRetries, now: options.now ?? (() => new Date()), chunkSize, runId: options.runId ?? null };

    this.write = this.def.prepare(db);
    this.flags = prepareFlags(db);
    this.stmt = {
      savepoint: db.prepare('SAVEPOINT vms_row'),
      release: db.prepare('RELEASE vms_row'),
      rollbackTo: db.prepare('ROLLBACK TO vms_row'),
      rowError: db.prepare(
        'INSERT INTO row_errors (sync_log_id, run_id, sync_type, salesforce_id, record_name, code, severity, field, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      queue: db.prepare(
        `INSERT INTO pending_imports (sync_type, salesforce_id, record, missing, first_seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (sync_type, salesforce_id) DO UPDATE SET record = excluded.record, missing = excluded.missing, resolved_at = NULL`,
      ),
      resolved: db.prepare('UPDATE pending_imports SET resolved_at = ? WHERE sync_type = ? AND salesforce_id = ? AND resolved_at IS NULL'),
      pending: db.prepare(
        `SELECT salesforce_id, record, first_seen_at FROM pending_imports WHERE sync_type = ? AND resolved_at IS NULL AND retry_count < ?
           AND (first_seen_at, salesforce_id) > (?, ?) ORDER BY first_seen_at, salesforce_id LIMIT ${PENDING_BATCH}`,
      ),
      retried: db.prepare(
        `UPDATE pending_imports SET retry_count = retry_count + 1, last_retry_at = ?, missing = ?,
           error_reason = CASE WHEN retry_count + 1 >= ? THEN 'likely_sf_orphan' ELSE error_reason END
         WHERE sync_type = ? AND salesforce_id = ?`,
      ),
      unusable: db.prepare('UPDATE pending_imports SET retry_count = ?, last_retry_at = ?, error_reason = ? WHERE sync_type = ? AND salesforce_id = ?'),
      watermark: db.prepare(
        `INSERT INTO sync_watermarks (sync_type, modstamp, last_id, recovery, updated_at, run_id) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (sync_type) DO UPDATE SET modstamp = excluded.modstamp, last_id = excluded.last_id,
           recovery = excluded.recovery, updated_at = excluded.updated_at, run_id = excluded.run_id`,
      ),
      setRecovery: db.prepare('UPDATE sync_watermarks SET recovery = ?, updated_at = ? WHERE sync_type = ?'),
      logCounts: db.prepare(
        `UPDATE sync_logs SET records_processed = ?, records_created = ?, records_updated = ?, records_unchanged = ?,
           records_skipped = ?, records_failed = ?, records_queued = ?, records_resolved = ?, watermark_modstamp = ?, watermark_id = ? WHERE id = ?`,
      ),
    };

    this.openImportErrors =
      db.prepare("SELECT 1 FROM data_quality_flag WHERE entity_type = ? AND issue_type = 'import_error' AND status = 'open' LIMIT 1").get(this.entity) !== undefined;
    this.hadPending = db.prepare('SELECT 1 FROM pending_imports WHERE sync_type = ? AND resolved_at IS NULL LIMIT 1').get(this.entity) !== undefined;
    const before = readWatermark(db, this.entity);
    this.watermarkBefore = before ? { modstamp: before.modstamp, id: before.id } : null;
    this.startedAt = this.options.now().toISOString();
    this.syncLogId = Number(
      db
        .prepare(
          "INSERT INTO sync_logs (sync_type, run_id, started_at, status, is_delta_sync, recovery_buffer_hours) VALUES (?, ?, ?, 'running', ?, ?)",
        )
        .run(this.entity, this.options.runId, this.startedAt, mode === 'incremental' ? 1 : 0, before?.recovery ? 48 : 0).lastInsertRowid,
    );
  }

  /** Counts so far. */
  get progress(): Readonly<EntityCounts> {
    return { ...this.counts };
  }

  /** Cursor of the last record of the last committed chunk (resume after it). */
  get resumeAfter(): Cursor | null {
    return this.lastCursor;
  }

  private recordIssue(salesforceId: string | null, recordName: string | null, issue: RowIssue): void {
    this.errorCount++;
    this.stmt.rowError.run(this.syncLogId, this.options.runId, this.entity, salesforceId, recordName, issue.code, issue.severity, issue.field ?? null, issue.message);
    if (this.kept.length < this.options.maxErrorsInResult) {
      this.kept.push({ ...issue, entity: this.entity, salesforceId, recordName });
    }
  }

  /**
   * Maps and writes one record (inside the caller's transaction); returns what happened, or
   * `failed`. Does not count. Without `savepoints` (the fast path) a database error is thrown as
   * {@link RowWriteFailed}, so the caller can roll the chunk back and redo it row by row.
   */
  private processOne(record: SfRecord, savepoints: boolean): WriteOutcome | { status: 'failed' } {
    const mapped = this.def.map(record);
    if (!mapped.ok) {
      this.recordIssue(record.Id, this.def.nameOf(record), mapped.issue);
      this.raiseImportError(record.Id, mapped.issue);
      return { status: 'failed' };
    }
    let outcome: WriteOutcome;
    if (!savepoints) {
      try {
        outcome = this.write(mapped.value, record);
      } catch (error) {
        // SQLite rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR ...): not a row problem.
        if (!this.db.inTransaction) throw error;
        throw new RowWriteFailed(error);
      }
    } else {
      this.stmt.savepoint.run();
      try {
        outcome = this.write(mapped.value, record);
        this.stmt.release.run();
      } catch (error) {
        // SQLite rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR ...): not a row problem.
        if (!this.db.inTransaction) throw error;
        this.stmt.rollbackTo.run();
        this.stmt.release.run();
        this.write.discard?.();
        const issue: RowIssue = { code: classifyRowException(error), severity: 'error', message: error instanceof Error ? error.message : String(error) };
        this.recordIssue(record.Id, this.def.nameOf(record), issue);
        this.raiseImportError(record.Id, issue);
        return { status: 'failed' };
      }
    }
    const extra = outcome.status === 'created' || outcome.status === 'updated' || outcome.status === 'unchanged' ? outcome.warnings : undefined;
    if (mapped.warnings.length > 0 || (extra !== undefined && extra.length > 0)) {
      const name = this.def.nameOf(record);
      for (const w of mapped.warnings) this.recordIssue(record.Id, name, w);
      for (const w of extra ?? []) this.recordIssue(record.Id, name, w);
      this.counts.warnings++;
    }
    if (outcome.status === 'created' || outcome.status === 'updated') {
      for (const other of outcome.otherIssues ?? []) this.recordIssue(other.salesforceId, null, other.issue);
      if (this.openImportErrors) this.flags.resolve(this.entity, record.Id, 'import_error');
    } else if (outcome.status === 'skipped' && outcome.issue) {
      this.recordIssue(record.Id, this.def.nameOf(record), outcome.issue);
    }
    return outcome;
  }

  private raiseImportError(salesforceId: string, issue: RowIssue): void {
    this.flags.raise(this.entity, salesforceId, 'import_error', 'error', `${issue.code}: ${issue.message}`);
    this.openImportErrors = true;
  }

  /**
   * Imports one chunk in one transaction and returns its progress. Records the entity's filter
   * excludes are ignored (not counted), so a whole SObject can be fed directly.
   *
   * The chunk is first written without savepoints (validation already kept bad records out);
   * when the database still rejects a record, the whole chunk is rolled back and written again
   * with one savepoint per record, so only that record fails.
   */
  importChunk(records: readonly unknown[]): ChunkProgress {
    if (this.finished) throw new VmsError(VmsErrorCode.InvalidOption, `The ${this.entity} import has finished; start a new EntityImporter`, { category: 'validation' });
    if (!Array.isArray(records)) invalidOption('records', 'an array of Salesforce records', records);
    const now = this.options.now().toISOString();
    const saved = { counts: { ...this.counts }, kept: this.kept.length, errorCount: this.errorCount, maxSeen: this.maxSeen, lastId: this.lastId, current: this.current };
    const queuedBefore = this.queuedThisRun.size;
    try {
      transaction(this.db, () => this.writeChunk(records, now, false));
    } catch (error) {
      if (!(error instanceof RowWriteFailed)) throw error;
      // Undo what the rolled-back attempt counted, then redo the chunk row by row.
      this.write.discard?.();
      Object.assign(this.counts, saved.counts);
      this.kept.length = saved.kept;
      this.errorCount = saved.errorCount;
      this.maxSeen = saved.maxSeen;
      this.lastId = saved.lastId;
      this.current = saved.current;
      if (this.queuedThisRun.size !== queuedBefore) {
        const keep = [...this.queuedThisRun].slice(0, queuedBefore);
        this.queuedThisRun.clear();
        for (const id of keep) this.queuedThisRun.add(id);
      }
      transaction(this.db, () => this.writeChunk(records, now, true));
    }
    return { entity: this.entity, resumeAfter: this.lastCursor, lastId: this.lastId, counts: this.progress };
  }

  /** The body of {@link importChunk}'s transaction. */
  private writeChunk(records: readonly unknown[], now: string, savepoints: boolean): void {
    let chunkLast: Cursor | null = null;
    const ordered = this.options.ordered;
    for (const raw of records) {
      if (!isRecord(raw)) {
        throw new VmsError(VmsErrorCode.InvalidRecord, `Expected a Salesforce record object in the ${this.entity} source, got ${describeValue(raw)}`, { category: 'validation' });
      }
      if (typeof raw.Id !== 'string' || raw.Id.length === 0) {
        this.counts.processed++;
        this.counts.failed++;
        this.recordIssue(null, null, { code: RowErrorCode.MissingSfId, severity: 'error', field: 'Id', message: `Record without an Id: ${describeValue(raw)}` });
        continue;
      }
      if (!this.def.matches(raw)) continue;
      this.counts.processed++;
      const cursor = cursorOf(raw);
      if (cursor) {
        if (!ordered) this.maxSeen = maxCursor(this.maxSeen, cursor);
        chunkLast = cursor;
      }
      this.lastId = raw.Id;
      const outcome = this.processOne(raw, savepoints);
      switch (outcome.status) {
        case 'created':
        case 'updated':
        case 'unchanged':
          this.counts[outcome.status]++;
          break;
        case 'failed':
          this.counts.failed++;
          break;
        case 'skipped':
          this.counts.skipped++;
          break;
        case 'queued':
          this.counts.skipped++;
          this.counts.queued++;
          this.queuedThisRun.add(raw.Id);
          this.stmt.queue.run(this.entity, raw.Id, JSON.stringify(raw), outcome.missing, now);
          this.recordIssue(raw.Id, this.def.nameOf(raw), { code: RowErrorCode.ParentNotFound, severity: 'error', field: outcome.missing.split(':')[0], message: `${outcome.message}; queued until it arrives` });
          break;
      }
      if (this.hadPending && (outcome.status === 'created' || outcome.status === 'updated' || outcome.status === 'unchanged')) {
        this.stmt.resolved.run(now, this.entity, raw.Id);
      }
    }
    if (chunkLast) {
      this.lastCursor = chunkLast;
      if (ordered) this.maxSeen = maxCursor(this.maxSeen, chunkLast);
    }
    if (ordered && chunkLast) this.advanceWatermark(chunkLast, now, null);
    const watermark = this.currentWatermark();
    this.stmt.logCounts.run(
      this.counts.processed, this.counts.created, this.counts.updated, this.counts.unchanged, this.counts.skipped,
      this.counts.failed, this.counts.queued, this.counts.resolved, watermark?.modstamp ?? null, watermark?.id ?? null, this.syncLogId,
    );
  }

  private current: Cursor | null | undefined;
  private currentWatermark(): Cursor | null {
    if (this.current === undefined) this.current = this.watermarkBefore;
    return this.current;
  }

  /** Moves the stored watermark forward to `to` (never backward). */
  private advanceWatermark(to: Cursor, now: string, recovery: boolean | null): void {
    const current = this.currentWatermark();
    const next = current && compareCursors(current, to) >= 0 ? current : to;
    const rec = recovery ?? (readWatermark(this.db, this.entity)?.recovery ?? false);
    this.stmt.watermark.run(this.entity, next.modstamp, next.id, rec ? 1 : 0, now, this.options.runId);
    this.current = next;
  }

  /**
   * Retries this entity's pending records from earlier runs (records queued in this run are
   * left for the next). Returns how many were written.
   */
  resolvePending(): number {
    const now = this.options.now().toISOString();
    let resolved = 0;
    // Batches in (first_seen_at, salesforce_id) order, read one at a time: memory stays flat however long the queue.
    let after = ['', ''];
    for (;;) {
      const batch = this.stmt.pending.all(this.entity, this.options.pendingMaxRetries, ...after) as { salesforce_id: string; record: string; first_seen_at: string }[];
      const last = batch[batch.length - 1];
      if (last === undefined) break;
      after = [last.first_seen_at, last.salesforce_id];
      transaction(this.db, () => {
        for (const row of batch) {
          if (this.queuedThisRun.has(row.salesforce_id)) continue;
          let record: SfRecord;
          try {
            record = JSON.parse(row.record) as SfRecord;
          } catch {
            this.stmt.unusable.run(this.options.pendingMaxRetries, now, 'unreadable_record', this.entity, row.salesforce_id);
            continue;
          }
          const mapped = this.def.map(record);
          if (!mapped.ok) {
            this.stmt.unusable.run(this.options.pendingMaxRetries, now, mapped.issue.code, this.entity, row.salesforce_id);
            continue;
          }
          this.stmt.savepoint.run();
          let outcome: WriteOutcome;
          try {
            outcome = this.write(mapped.value, record);
            this.stmt.release.run();
          } catch (error) {
            if (!this.db.inTransaction) throw error;
            this.stmt.rollbackTo.run();
            this.stmt.release.run();
            this.write.discard?.();
            this.stmt.unusable.run(this.options.pendingMaxRetries, now, classifyRowException(error), this.entity, row.salesforce_id);
            continue;
          }
          if (outcome.status === 'queued') {
            this.stmt.retried.run(now, outcome.missing, this.options.pendingMaxRetries, this.entity, row.salesforce_id);
          } else {
            this.stmt.resolved.run(now, this.entity, row.salesforce_id);
            if (outcome.status !== 'skipped') {
              resolved++;
              this.flags.resolve(this.entity, row.salesforce_id, 'import_error');
            }
          }
        }
      });
    }
    this.counts.resolved += resolved;
    return resolved;
  }

  /**
   * Ends the run: writes the sync log's final status and, on success of an unordered source, the
   * watermark; after a failure marks the watermark for recovery (48 h look-back next time).
   */
  finish(error?: unknown): EntityResult {
    if (this.finished) throw new VmsError(VmsErrorCode.InvalidOption, `The ${this.entity} import has already finished`, { category: 'validation' });
    this.finished = true;
    const completedAt = this.options.now().toISOString();
    const c = this.counts;
    const written = c.created + c.updated + c.unchanged + c.resolved;
    const hasErrors = c.failed > 0 || c.queued > 0;
    const status: EntityResult['status'] = error !== undefined ? 'failed' : !hasErrors ? 'success' : written > 0 ? 'partial' : 'failed';
    const message = error === undefined ? null : error instanceof Error ? error.message : String(error);
    transaction(this.db, () => {
      if (error === undefined) {
        if (!this.options.ordered && this.maxSeen) this.advanceWatermark(this.maxSeen, completedAt, false);
        else this.stmt.setRecovery.run(0, completedAt, this.entity);
      } else {
        this.stmt.setRecovery.run(1, completedAt, this.entity);
      }
      this.stmt.logCounts.run(
        c.processed, c.created, c.updated, c.unchanged, c.skipped, c.failed, c.queued, c.resolved,
        this.currentWatermark()?.modstamp ?? null, this.currentWatermark()?.id ?? null, this.syncLogId,
      );
      this.db
        .prepare('UPDATE sync_logs SET status = ?, completed_at = ?, error_message = ?, error_details = ? WHERE id = ?')
        .run(status, completedAt, message, JSON.stringify(this.kept), this.syncLogId);
    });
    return {
      entity: this.entity,
      mode: this.options.mode,
      status,
      syncLogId: this.syncLogId,
      startedAt: this.startedAt,
      completedAt,
      watermarkBefore: this.watermarkBefore,
      watermarkAfter: this.currentWatermark(),
      errors: [...this.kept],
      errorCount: this.errorCount,
      ...(message !== null ? { error: message } : {}),
      ...c,
    };
  }
}

/** A source of records: chunks (arrays) or single records, sync or async. */
export type RecordSource = AsyncIterable<unknown> | Iterable<unknown>;

/**
 * Runs one entity's import over a source: chunk by chunk (awaiting `onChunk` after each commit),
 * then the pending sweep, then the final sync log. An error from the source (or an abort)
 * still finishes the run as `failed` (watermark kept where the last chunk left it, recovery set)
 * and is rethrown.
 *
 * @example
 * ```ts
 * const plan = planEntityQuery(db, 'events', { mode: 'incremental' });
 * const result = await importEntity(db, 'events', queryStream(conn, plan.soql), {
 *   mode: plan.mode,
 *   onChunk: (p) => ctx.checkpoint.set('events', p.resumeAfter),
 * });
 * ```
 */
export async function importEntity(db: VmsDatabase, entity: EntityName, source: RecordSource, options: ImportOptions = {}): Promise<EntityResult> {
  if (source === null || typeof source !== 'object' || (!(Symbol.asyncIterator in source) && !(Symbol.iterator in source))) {
    invalidOption('source', 'an iterable or async iterable of Salesforce records', source);
  }
  const importer = new EntityImporter(db, entity, options);
  const chunkSize = options.chunkSize ?? 2000;
  try {
    for await (const chunk of chunksOf(source, chunkSize, options.signal)) {
      const progress = importer.importChunk(chunk);
      await options.onChunk?.(progress);
    }
    importer.resolvePending();
  } catch (error) {
    importer.finish(error);
    throw error;
  }
  return importer.finish();
}

/**
 * The source as chunks: arrays as given, single records grouped by `chunkSize`. An async source
 * is read one item ahead after an item smaller than a chunk (a small page, a single record): the
 * next page is requested before the current one is handed out (and written), so fetching and
 * writing overlap. The source is closed when the consumer stops.
 */
async function* chunksOf(source: RecordSource, chunkSize: number, signal: AbortSignal | undefined): AsyncGenerator<readonly unknown[]> {
  if (!(Symbol.asyncIterator in source)) {
    let buffer: unknown[] = [];
    for (const item of source) {
      signal?.throwIfAborted();
      if (Array.isArray(item)) {
        if (buffer.length > 0) yield buffer;
        buffer = [];
        yield item;
      } else {
        buffer.push(item);
        if (buffer.length >= chunkSize) {
          yield buffer;
          buffer = [];
        }
      }
    }
    if (buffer.length > 0) yield buffer;
    return;
  }
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  try {
    let next: Promise<IteratorResult<unknown>> | null = iterator.next();
    let buffer: unknown[] = [];
    for (;;) {
      const step: IteratorResult<unknown> = await (next ?? iterator.next());
      next = null;
      if (step.done) {
        done = true;
        break;
      }
      signal?.throwIfAborted();
      const item: unknown = step.value;
      // Read ahead past a small page (latency-bound: keep requests in flight); a full chunk is
      // written while the source's own prefetch (queryStream) fetches the next page, and holding a
      // third page would only cost memory.
      if (!Array.isArray(item) || item.length < chunkSize) {
        next = iterator.next();
        // Observed by the next turn of the loop; never unhandled when the consumer stops first.
        next.catch(() => undefined);
      }
      if (Array.isArray(item)) {
        if (buffer.length > 0) yield buffer;
        buffer = [];
        yield item;
      } else {
        buffer.push(item);
        if (buffer.length >= chunkSize) {
          yield buffer;
          buffer = [];
        }
      }
    }
    if (buffer.length > 0) yield buffer;
  } finally {
    if (!done) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
