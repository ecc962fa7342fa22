import { join } from 'node:path';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openVmsDatabase, type VmsDatabase } from '../db/database';
import { virtualSessionSheet } from '../generator/sheet';
import { importVirtualSessions } from './import';
import { parseVirtualSessionSheet } from './virtual-sessions';

const header = ['Session Title', 'Date', 'Time', 'Status', 'Teacher Name', 'School Name', 'District', 'Presenter', 'Organization', 'Presenter of Color?', 'Session Link', 'Topic/Theme', 'Session Type'];
const sheet = (...rows: string[][]): string[][] => [['Virtual sessions'], [], [], header, ...rows];

let dir: TempDir;
let db: VmsDatabase;
beforeEach(async () => {
  dir = await tempDir('vms-virtual-');
  db = openVmsDatabase(join(dir.path, 'vms.db'));
});
afterEach(async () => {
  db.close();
  await dir.cleanup();
});
const count = (table: string, where = '1'): number => db.prepare(`SELECT count(*) FROM ${table} WHERE ${where}`).pluck().get() as number;

describe('importVirtualSessions', () => {
  it('creates one event per title and start, matches teachers and presenters by name, counts 25 per counted class', () => {
    // A Salesforce teacher and volunteer exist already: the sheet's names match them case-insensitively.
    db.exec(`INSERT INTO contact (id, type, salesforce_individual_id, first_name, last_name) VALUES (1, 'teacher', '003000000000001AAA', 'María', 'García'), (2, 'volunteer', '003000000000002AAA', 'Janet', 'Doe-Smith');
             INSERT INTO teacher (id) VALUES (1); INSERT INTO volunteer (id) VALUES (2);
             INSERT INTO virtual_session_report_cache (virtual_year) VALUES ('2024-2025'), ('2023-2024');`);
    const values = sheet(
      ['Healthcare careers', '9/15', '2:30', 'Successfully Completed', 'maría garcía / John Lee', 'Lincoln High', 'Grandview', 'Dr. Jane Doe', 'Acme Health', 'Yes'],
      ['Healthcare careers', '9/15', '2:30 PM', 'Simulcast', 'Ann Bee', 'Lincoln High', 'Grandview', '', ''],
      ['Healthcare careers', '9/15', '2:30 PM', 'Simulcast', 'Cal Dee', '', 'Grandview', '', ''],
      ['', '9/16', '10:00 AM', 'Successfully Completed', 'Ann Bee', 'Lincoln High', 'Grandview', '', ''],
    );
    const parsed = parseVirtualSessionSheet(values, { academicYear: '2024-2025' });
    const result = importVirtualSessions(db, parsed, { now: () => new Date('2025-01-01T00:00:00Z') });
    expect(result).toMatchObject({ successCount: 3, errorCount: 0, eventsCreated: 1, warningCount: 1 });
    const event = db.prepare("SELECT id, start_date, status, participant_count, type, format FROM event").get() as Record<string, unknown>;
    expect(event).toMatchObject({ start_date: '2024-09-15T19:30:00.000Z', status: 'Completed', participant_count: 50, type: 'virtual_session', format: 'virtual' });
    // María García matched the Salesforce teacher; John Lee, Ann Bee, Cal Dee are new
    expect(result.teachersCreated).toBe(3);
    expect(count('event_teacher')).toBe(4);
    expect(db.prepare('SELECT status, is_simulcast FROM event_teacher WHERE teacher_id = 1').get()).toEqual({ status: 'Successfully Completed', is_simulcast: 0 });
    // "Jane Doe" matches the volunteer "Janet Doe-Smith" by prefix; no new volunteer
    expect(result.presentersCreated).toBe(0);
    expect(db.prepare("SELECT volunteer_id, status, delivery_hours FROM event_participation WHERE participant_type = 'Presenter'").get()).toEqual({ volunteer_id: 2, status: 'Completed', delivery_hours: 1 });
    expect(count('volunteer_organization', "role = 'Professional'")).toBe(1);
    // The school was created with a VRT id of 18 characters; only this year's cache was dropped.
    expect(db.prepare('SELECT id FROM school').pluck().get()).toMatch(/^VRT250101[0-9a-f]{8}0$/);
    expect(db.prepare('SELECT virtual_year FROM virtual_session_report_cache').pluck().all()).toEqual(['2023-2024']);
  });

  it('is idempotent: importing a generated sheet twice adds nothing the second time', () => {
    const generated = virtualSessionSheet({ seed: 11, academicYear: '2024-2025', rows: 120 });
    const parsed = parseVirtualSessionSheet(generated.values, { academicYear: '2024-2025' });
    const first = importVirtualSessions(db, parsed);
    expect(first.errorCount).toBe(0);
    expect(first.eventsCreated).toBeGreaterThan(10);
    const tables = ['event', 'contact', 'teacher', 'volunteer', 'school', 'district', 'event_teacher', 'event_participation', 'event_districts', 'volunteer_organization', 'organization'];
    const before = tables.map((t) => count(t));
    const second = importVirtualSessions(db, parsed);
    expect(second).toMatchObject({ eventsCreated: 0, teachersCreated: 0, presentersCreated: 0, errorCount: 0 });
    expect(tables.map((t) => count(t))).toEqual(before);
  });
});
