import Database from 'better-sqlite3';
import type { Watermark } from '@vms/flow-salesforce';

/** The application's own SQLite database (apart from the engine's store): volunteers and sync state. */
export function openVmsDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS volunteer (
      salesforce_id TEXT PRIMARY KEY,
      first_name TEXT,
      last_name TEXT NOT NULL,
      email TEXT,
      modified_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS sync_state (entity TEXT PRIMARY KEY, watermark TEXT NOT NULL);
  `);
  return db;
}

export function readWatermark(db: Database.Database, entity: string): Watermark | null {
  const row = db.prepare('SELECT watermark FROM sync_state WHERE entity = ?').get(entity) as { watermark: string } | undefined;
  return row ? (JSON.parse(row.watermark) as Watermark) : null;
}

export interface VolunteerRow {
  salesforce_id: string;
  first_name: string | null;
  last_name: string;
  email: string | null;
  modified_at: string;
}

/**
 * Upserts one chunk and moves the watermark in the same transaction: after a crash the database
 * holds either both or neither, so a rerun starts exactly after the last stored chunk.
 */
export function storeChunk(db: Database.Database, entity: string, rows: VolunteerRow[], watermark: Watermark | null): { created: number; updated: number } {
  const exists = db.prepare('SELECT 1 FROM volunteer WHERE salesforce_id = ?');
  const upsert = db.prepare(`
    INSERT INTO volunteer (salesforce_id, first_name, last_name, email, modified_at)
    VALUES (@salesforce_id, @first_name, @last_name, @email, @modified_at)
    ON CONFLICT (salesforce_id) DO UPDATE SET
      first_name = excluded.first_name, last_name = excluded.last_name,
      email = excluded.email, modified_at = excluded.modified_at`);
  const saveWatermark = db.prepare(
    'INSERT INTO sync_state (entity, watermark) VALUES (?, ?) ON CONFLICT (entity) DO UPDATE SET watermark = excluded.watermark',
  );
  return db.transaction(() => {
    let created = 0;
    for (const row of rows) {
      if (exists.get(row.salesforce_id)) upsert.run(row);
      else {
        upsert.run(row);
        created += 1;
      }
    }
    if (watermark) saveWatermark.run(entity, JSON.stringify(watermark));
    return { created, updated: rows.length - created };
  })();
}
