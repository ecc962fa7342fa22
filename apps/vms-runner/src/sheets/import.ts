/**
 * Writes parsed virtual-session rows into the VMS database (VMS-DOMAIN.md §3, matching rules):
 * events keyed by (title case-insensitive, exact start, type `virtual_session`), districts and
 * schools found by name or created, teachers and presenters matched by name or created, teacher
 * and presenter participations upserted, then that academic year's report caches invalidated.
 *
 * Each row is written in its own transaction (the sheet was read before: CASES C13), so a row
 * that fails rolls back alone. Designed out: presenters of one event no longer erase each other
 * (the links are added, never cleared), and only the imported year's caches are dropped.
 */
import { createHash } from 'node:crypto';
import type { VmsDatabase } from '../db/database';
import { transaction } from '../db/transaction';
import { createsEvent, sessionInstant, type PersonName } from './rules';
import type { ParsedSheet, SheetIssue, VirtualSessionRow } from './virtual-sessions';

/** What one import did. */
export interface VirtualImportResult {
  /** Rows that ran their event (or teacher-only) logic. */
  readonly successCount: number;
  readonly warningCount: number;
  readonly errorCount: number;
  readonly eventsCreated: number;
  readonly teachersCreated: number;
  readonly presentersCreated: number;
  /** Parse issues plus import issues, by row. */
  readonly issues: readonly SheetIssue[];
}

/** Options of {@link importVirtualSessions}. */
export interface VirtualImportOptions {
  /** The clock, for new school ids and confirmation stamps. @default () => new Date() */
  now?: () => Date;
}

const COUNTED = new Set(['successfully completed', 'simulcast']);
const dayKey = (row: VirtualSessionRow): string => `${row.day.year}-${String(row.day.month).padStart(2, '0')}-${String(row.day.day).padStart(2, '0')}`;

/**
 * Imports the rows of a parsed sheet.
 *
 * @example
 * ```ts
 * const sheet = parseVirtualSessionSheet(values, { academicYear: '2024-2025' });
 * const result = importVirtualSessions(db, sheet);
 * ```
 */
export function importVirtualSessions(db: VmsDatabase, sheet: ParsedSheet, options: VirtualImportOptions = {}): VirtualImportResult {
  const now = options.now ?? (() => new Date());
  const q = {
    districtByName: db.prepare('SELECT id FROM district WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1').pluck(),
    insertDistrict: db.prepare('INSERT INTO district (name) VALUES (?)'),
    schoolByName: db.prepare('SELECT id FROM school WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1').pluck(),
    schoolExists: db.prepare('SELECT 1 FROM school WHERE id = ?').pluck(),
    insertSchool: db.prepare('INSERT INTO school (id, name, district_id, normalized_name) VALUES (?, ?, ?, ?)'),
    eventAt: db.prepare("SELECT id FROM event WHERE title = ? COLLATE NOCASE AND start_date = ? AND type = 'virtual_session' ORDER BY id LIMIT 1").pluck(),
    eventOnDay: db.prepare("SELECT id, start_date FROM event WHERE title = ? COLLATE NOCASE AND type = 'virtual_session' AND start_date >= ? AND start_date < ? ORDER BY start_date LIMIT 1"),
    insertEvent: db.prepare(
      `INSERT INTO event (title, type, format, start_date, end_date, duration, status, original_status_string, session_host, session_id, registration_link, series, additional_information, import_source)
       VALUES (?, 'virtual_session', 'virtual', ?, ?, 60, ?, ?, 'PREPKC', ?, ?, ?, ?, 'virtual_sheet')`,
    ),
    primary: db.prepare(
      `UPDATE event SET status = ?, original_status_string = ?, series = coalesce(?, series), registration_link = coalesce(?, registration_link),
         session_id = coalesce(?, session_id), school = coalesce(?, school), participant_count = ?,
         registered_count = CASE WHEN ? = 'Completed' THEN coalesce(registered_count, ?) ELSE registered_count END,
         attended_count = CASE WHEN ? = 'Completed' THEN coalesce(attended_count, ?) ELSE attended_count END,
         volunteers_needed = CASE WHEN ? = 'Completed' THEN coalesce(volunteers_needed, 1) ELSE volunteers_needed END,
         duration = coalesce(duration, 60), updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`,
    ),
    eventStatus: db.prepare('SELECT status, duration FROM event WHERE id = ?'),
    linkDistrict: db.prepare('INSERT OR IGNORE INTO event_districts (event_id, district_id) VALUES (?, ?)'),
    teacherByName: db.prepare(
      "SELECT c.id FROM contact c JOIN teacher t ON t.id = c.id WHERE c.first_name = ? COLLATE NOCASE AND c.last_name = ? COLLATE NOCASE ORDER BY c.id LIMIT 1",
    ).pluck(),
    insertContact: db.prepare('INSERT INTO contact (type, first_name, last_name) VALUES (?, ?, ?)'),
    insertTeacher: db.prepare("INSERT INTO teacher (id, school_id, import_source) VALUES (?, ?, 'virtual_sheet')"),
    teacherSchool: db.prepare('UPDATE teacher SET school_id = ? WHERE id = ? AND (school_id IS NOT ?)'),
    eventTeacher: db.prepare(
      `INSERT INTO event_teacher (event_id, teacher_id, status, is_simulcast, attendance_confirmed_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (event_id, teacher_id) DO UPDATE SET status = excluded.status, is_simulcast = excluded.is_simulcast,
         attendance_confirmed_at = coalesce(event_teacher.attendance_confirmed_at, excluded.attendance_confirmed_at)`,
    ),
    volunteerExact: db.prepare(
      'SELECT c.id FROM contact c JOIN volunteer v ON v.id = c.id WHERE c.first_name = ? COLLATE NOCASE AND c.last_name = ? COLLATE NOCASE ORDER BY c.id LIMIT 1',
    ).pluck(),
    volunteerPrefix: db.prepare(
      "SELECT c.id FROM contact c JOIN volunteer v ON v.id = c.id WHERE c.first_name LIKE ? ESCAPE '\\' AND c.last_name LIKE ? ESCAPE '\\' ORDER BY c.id LIMIT 1",
    ).pluck(),
    insertVolunteer: db.prepare('INSERT INTO volunteer (id, organization_name, is_people_of_color, local_status) VALUES (?, ?, ?, ?)'),
    organizationByName: db.prepare('SELECT id FROM organization WHERE name = ? ORDER BY id LIMIT 1').pluck(),
    insertOrganization: db.prepare("INSERT INTO organization (name, type) VALUES (?, 'Business')"),
    affiliate: db.prepare(
      "INSERT OR IGNORE INTO volunteer_organization (volunteer_id, organization_id, role, is_primary, status, date_source) VALUES (?, ?, 'Professional', 1, 'Current', 'virtual_sheet')",
    ),
    presenterRow: db.prepare("SELECT id FROM event_participation WHERE event_id = ? AND volunteer_id = ? AND participant_type = 'Presenter'").pluck(),
    insertPresenter: db.prepare("INSERT INTO event_participation (volunteer_id, event_id, status, delivery_hours, participant_type) VALUES (?, ?, ?, ?, 'Presenter')"),
    updatePresenter: db.prepare('UPDATE event_participation SET status = ?, delivery_hours = ? WHERE id = ?'),
    linkVolunteer: db.prepare('INSERT OR IGNORE INTO event_volunteers (event_id, volunteer_id) VALUES (?, ?)'),
  };

  // participant_count = 25 × rows of the same title and date that count (domain §3)
  const counted = new Map<string, number>();
  for (const row of sheet.rows) {
    if (COUNTED.has((row.status ?? '').toLowerCase()) && row.teachers.length > 0 && row.schoolName !== null) {
      const key = `${row.title.toLowerCase()}|${dayKey(row)}`;
      counted.set(key, (counted.get(key) ?? 0) + 1);
    }
  }

  const issues: SheetIssue[] = [...sheet.issues];
  let successCount = 0;
  let errorCount = sheet.issues.filter((i) => i.severity === 'error').length;
  let eventsCreated = 0;
  let teachersCreated = 0;
  let presentersCreated = 0;
  const primaryDone = new Set<number>();

  const district = (name: string | null): number => {
    const label = name ?? 'Unknown District';
    return (q.districtByName.get(label) as number | undefined) ?? Number(q.insertDistrict.run(label).lastInsertRowid);
  };
  const school = (name: string, districtId: number): string => {
    const found = q.schoolByName.get(name) as string | undefined;
    if (found !== undefined) return found;
    const stamp = now().toISOString().slice(2, 10).replace(/-/g, '');
    const base = `VRT${stamp}${createHash('sha256').update(name).digest('hex').slice(0, 8)}`.padEnd(18, '0');
    let id = base;
    for (let n = 1; q.schoolExists.get(id) !== undefined; n++) id = `${base.slice(0, 18 - String(n).length)}${n}`;
    q.insertSchool.run(id, name, districtId, name.toLowerCase());
    return id;
  };
  const teacher = (name: PersonName, schoolId: string | null): number => {
    let id = q.teacherByName.get(name.first, name.last) as number | undefined;
    if (id === undefined) {
      id = Number(q.insertContact.run('teacher', name.first, name.last).lastInsertRowid);
      q.insertTeacher.run(id, schoolId);
      teachersCreated++;
    } else if (schoolId !== null) {
      q.teacherSchool.run(schoolId, id, schoolId);
    }
    return id;
  };
  const like = (s: string): string => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const presenter = (name: PersonName, row: VirtualSessionRow): number => {
    let id = (q.volunteerExact.get(name.first, name.last) ?? q.volunteerPrefix.get(like(name.first), like(name.last))) as number | undefined;
    if (id === undefined) {
      id = Number(q.insertContact.run('volunteer', name.first, name.last).lastInsertRowid);
      q.insertVolunteer.run(id, row.organization, row.presenterOfColor ? 1 : 0, row.presenterLocal === null ? null : row.presenterLocal ? 'local' : 'non_local');
      presentersCreated++;
    }
    if (row.organization !== null) {
      const orgId = (q.organizationByName.get(row.organization) as number | undefined) ?? Number(q.insertOrganization.run(row.organization).lastInsertRowid);
      q.affiliate.run(id, orgId);
    }
    return id;
  };

  // Pass 1: the events, so a secondary row above its primary row still finds its event.
  for (const row of sheet.rows) {
    if (row.start === null || !createsEvent(row.status)) continue;
    const start = row.start;
    try {
      transaction(db, () => {
        if (q.eventAt.get(row.title, start.toISOString()) !== undefined) return;
        const end = new Date(start.getTime() + 3_600_000).toISOString();
        q.insertEvent.run(row.title, start.toISOString(), end, row.eventStatus, row.status, row.sessionId, row.registrationLink, row.series, row.sessionType);
        eventsCreated++;
      });
    } catch {
      // reported by pass 2, which fails on the same row
    }
  }

  // Pass 2: every row.
  for (const row of sheet.rows) {
    try {
      transaction(db, () => {
        const districtId = district(row.district);
        const schoolId = row.schoolName === null ? null : school(row.schoolName, districtId);
        let eventId: number | undefined;
        if (row.start !== null) {
          eventId = q.eventAt.get(row.title, row.start.toISOString()) as number | undefined;
        } else {
          // No time: reuse the event of that title on that day, if one exists.
          const from = sessionInstant(row.day, { hour: 0, minute: 0 }, sheet.timeZone);
          const next = new Date(Date.UTC(row.day.year, row.day.month - 1, row.day.day + 1));
          const to = sessionInstant({ year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() }, { hour: 0, minute: 0 }, sheet.timeZone);
          const found = q.eventOnDay.get(row.title, from.toISOString(), to.toISOString()) as { id: number } | undefined;
          eventId = found?.id;
          if (eventId === undefined && row.teachers.length === 0) {
            issues.push({ rowNumber: row.rowNumber, severity: 'warning', code: 'no_datetime', message: `Row ${row.rowNumber} for '${row.title}': cannot determine event datetime` });
          }
        }
        if (eventId !== undefined) {
          q.linkDistrict.run(eventId, districtId);
          if (createsEvent(row.status) && !primaryDone.has(eventId)) {
            primaryDone.add(eventId);
            const count = 25 * (counted.get(`${row.title.toLowerCase()}|${dayKey(row)}`) ?? 0);
            const s = row.eventStatus;
            q.primary.run(s, row.status, row.series, row.registrationLink, row.sessionId, schoolId, count, s, count, s, count, s, eventId);
          }
        }
        const current = eventId === undefined ? undefined : (q.eventStatus.get(eventId) as { status: string; duration: number | null });
        for (const name of row.teachers) {
          const t = teacher(name, schoolId);
          if (eventId !== undefined) {
            const simulcast = (row.status ?? '').toLowerCase() === 'simulcast';
            q.eventTeacher.run(eventId, t, row.status ?? 'registered', simulcast ? 1 : 0, current?.status === 'Completed' ? now().toISOString() : null);
          }
        }
        if (eventId !== undefined) {
          for (const name of row.presenters) {
            const v = presenter(name, row);
            const status = current?.status === 'Completed' ? 'Completed' : 'Confirmed';
            const hours = (current?.duration ?? 60) / 60;
            const existing = q.presenterRow.get(eventId, v) as number | undefined;
            if (existing === undefined) q.insertPresenter.run(v, eventId, status, hours);
            else q.updatePresenter.run(status, hours, existing);
            q.linkVolunteer.run(eventId, v);
          }
        }
      });
      successCount++;
    } catch (error) {
      errorCount++;
      issues.push({ rowNumber: row.rowNumber, severity: 'error', code: 'row_failed', message: `ERROR - Row ${row.rowNumber} for '${row.title}': ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  transaction(db, () => {
    db.prepare('DELETE FROM virtual_session_report_cache WHERE virtual_year = ?').run(sheet.academicYear.label);
    db.prepare('DELETE FROM virtual_session_district_cache WHERE virtual_year = ?').run(sheet.academicYear.label);
  });
  return {
    successCount,
    warningCount: issues.filter((i) => i.severity === 'warning').length,
    errorCount,
    eventsCreated,
    teachersCreated,
    presentersCreated,
    issues,
  };
}
