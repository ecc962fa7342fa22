/**
 * Writes parsed virtual-session rows into the VMS database (VMS-DOMAIN.md §3, matching rules):
 * events keyed by case-insensitive title + exact start, districts and schools found by name or
 * created, teachers and presenters matched by name or created, their links upserted. Each row is
 * written inside a savepoint: a row that fails rolls back alone and becomes a row error. Running
 * the same sheet twice changes nothing.
 */
import { createHash } from 'node:crypto';
import type { VmsDatabase } from '../db/database';
import { transaction } from '../db/transaction';
import { createsEvent, type PersonName } from '../sheets/rules';
import type { SheetIssue, VirtualSessionRow } from '../sheets/virtual-sessions';

/** Counts of one sheet import. */
export interface VirtualSessionCounts {
  /** Session rows read (rows without a title or with a bad date are issues, not rows). */
  processed: number;
  /** Rows that inserted something (an event, a person, a link) / only changed something / changed nothing. */
  created: number;
  updated: number;
  unchanged: number;
  /** Rows not written: no event could be found or created for them. */
  skipped: number;
  /** Rows that failed (bad date or time, or a database error). */
  failed: number;
  /** Rows with a warning (no title, a name that cannot be matched). */
  warnings: number;
  teachersCreated: number;
  presentersCreated: number;
}

/** One problem of the import, with its sheet row. */
export interface VirtualSessionIssue {
  row: number;
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

const COUNTED = new Set(['successfully completed', 'simulcast']);
const VIRTUAL = 'virtual_session';

const dayKey = (r: VirtualSessionRow): string => `${r.title.toLowerCase()}|${r.day.year}-${r.day.month}-${r.day.day}`;
const isoDate = (d: { year: number; month: number; day: number }): string =>
  `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/** `VRT` + yymmdd + 8 hex digits of the name's SHA-256, padded to 18 characters. */
function virtualSchoolId(name: string, now: Date, n: number): string {
  const yymmdd = now.toISOString().slice(2, 10).replaceAll('-', '');
  const base = `VRT${yymmdd}${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
  return (n === 0 ? base : `${base}${n}`).padEnd(18, '0').slice(0, 18);
}

/**
 * Imports parsed rows; `issues` from parsing are counted (warnings and failures) and returned
 * with the import's own.
 */
export function upsertVirtualSessions(
  db: VmsDatabase,
  rows: readonly VirtualSessionRow[],
  parseIssues: readonly SheetIssue[],
  now: Date = new Date(),
): { counts: VirtualSessionCounts; issues: VirtualSessionIssue[] } {
  const counts: VirtualSessionCounts = {
    processed: rows.length, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, warnings: 0, teachersCreated: 0, presentersCreated: 0,
  };
  const issues: VirtualSessionIssue[] = parseIssues.map((i) => ({ row: i.rowNumber, severity: i.severity, code: i.code, message: i.message }));
  const warnedRows = new Set<number>();
  for (const i of parseIssues) {
    if (i.severity === 'error') counts.failed++;
    else if (!warnedRows.has(i.rowNumber)) {
      warnedRows.add(i.rowNumber);
      counts.warnings++;
    }
  }

  // participant_count = 25 × rows of the same title and date that count (status, teacher, school).
  const perDay = new Map<string, number>();
  for (const r of rows) {
    if (COUNTED.has((r.status ?? '').toLowerCase()) && r.teachers.length > 0 && r.schoolName !== null) {
      perDay.set(dayKey(r), (perDay.get(dayKey(r)) ?? 0) + 1);
    }
  }

  const s = {
    district: db.prepare('SELECT id FROM district WHERE name = ? COLLATE NOCASE ORDER BY salesforce_id IS NULL, id LIMIT 1').pluck(),
    newDistrict: db.prepare('INSERT INTO district (name) VALUES (?)'),
    school: db.prepare('SELECT id FROM school WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1').pluck(),
    schoolId: db.prepare('SELECT 1 FROM school WHERE id = ?').pluck(),
    newSchool: db.prepare('INSERT INTO school (id, name, district_id, normalized_name) VALUES (?, ?, ?, ?)'),
    eventAt: db.prepare(`SELECT id, status, series, registration_link, school, participant_count FROM event WHERE type = '${VIRTUAL}' AND title = ? COLLATE NOCASE AND start_date = ?`),
    eventOnDay: db.prepare(`SELECT start_date FROM event WHERE type = '${VIRTUAL}' AND title = ? COLLATE NOCASE AND substr(start_date, 1, 10) = ? ORDER BY id LIMIT 1`).pluck(),
    newEvent: db.prepare(
      `INSERT INTO event (title, type, format, start_date, end_date, duration, status, original_status_string, school, participant_count,
         session_id, session_host, series, registration_link, additional_information, import_source, volunteers_needed)
       VALUES (?, '${VIRTUAL}', 'virtual', ?, ?, 60, ?, ?, ?, ?, ?, 'PREPKC', ?, ?, ?, 'virtual_sheet', ?)`,
    ),
    updateEvent: db.prepare(
      "UPDATE event SET status = ?, series = ?, registration_link = ?, school = ?, participant_count = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?",
    ),
    eventDistrict: db.prepare('INSERT OR IGNORE INTO event_districts (event_id, district_id) VALUES (?, ?)'),
    person: db.prepare('SELECT id FROM contact WHERE type = ? AND first_name = ? COLLATE NOCASE AND last_name = ? COLLATE NOCASE ORDER BY id LIMIT 1').pluck(),
    newContact: db.prepare('INSERT INTO contact (type, first_name, last_name) VALUES (?, ?, ?)'),
    newTeacher: db.prepare("INSERT INTO teacher (id, school_id, import_source) VALUES (?, ?, 'virtual_sheet')"),
    teacherSchool: db.prepare('UPDATE teacher SET school_id = ? WHERE id = ? AND school_id IS NOT ?'),
    eventTeacher: db.prepare(
      `INSERT INTO event_teacher (event_id, teacher_id, status, is_simulcast, attendance_confirmed_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (event_id, teacher_id) DO UPDATE SET status = excluded.status, is_simulcast = excluded.is_simulcast,
         attendance_confirmed_at = COALESCE(event_teacher.attendance_confirmed_at, excluded.attendance_confirmed_at)
       WHERE event_teacher.status IS NOT excluded.status OR event_teacher.is_simulcast IS NOT excluded.is_simulcast`,
    ),
    organization: db.prepare('SELECT id FROM organization WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1').pluck(),
    newOrganization: db.prepare('INSERT INTO organization (name, type) VALUES (?, ?)'),
    newVolunteer: db.prepare('INSERT INTO volunteer (id, organization_name, is_people_of_color) VALUES (?, ?, ?)'),
    affiliation: db.prepare("INSERT OR IGNORE INTO volunteer_organization (volunteer_id, organization_id, role, is_primary, status) VALUES (?, ?, 'Professional', 1, 'Current')"),
    participation: db.prepare("SELECT id FROM event_participation WHERE event_id = ? AND volunteer_id = ? AND participant_type = 'Presenter'").pluck(),
    newParticipation: db.prepare("INSERT INTO event_participation (volunteer_id, event_id, status, delivery_hours, participant_type) VALUES (?, ?, ?, 1, 'Presenter')"),
    savepoint: db.prepare('SAVEPOINT vs_row'),
    release: db.prepare('RELEASE vs_row'),
    rollback: db.prepare('ROLLBACK TO vs_row'),
  };

  const districtId = (name: string | null): number => {
    const n = name ?? 'Unknown District';
    const found = s.district.get(n) as number | undefined;
    if (found !== undefined) return found;
    const info = s.newDistrict.run(n);
    ins(info);
    return Number(info.lastInsertRowid);
  };
  const schoolId = (name: string, district: number): string => {
    const found = s.school.get(name) as string | undefined;
    if (found !== undefined) return found;
    let n = 0;
    while (s.schoolId.get(virtualSchoolId(name, now, n)) !== undefined) n++;
    const id = virtualSchoolId(name, now, n);
    ins(s.newSchool.run(id, name, district, name.toLowerCase()));
    return id;
  };
  const teacherId = (p: PersonName, school: string | null): number => {
    const found = s.person.get('teacher', p.first, p.last) as number | undefined;
    if (found !== undefined) {
      // The first row of the sheet that names the teacher decides the school (later rows of the
      // same run do not flip it back and forth, so a second import changes nothing).
      if (school !== null && !schoolSet.has(found)) upd(s.teacherSchool.run(school, found, school));
      schoolSet.add(found);
      return found;
    }
    const id = Number(s.newContact.run('teacher', p.first, p.last).lastInsertRowid);
    s.newTeacher.run(id, school);
    schoolSet.add(id);
    inserted = true;
    counts.teachersCreated++;
    return id;
  };
  const presenterId = (p: PersonName, row: VirtualSessionRow): number => {
    const found = s.person.get('volunteer', p.first, p.last) as number | undefined;
    const id = found ?? Number(s.newContact.run('volunteer', p.first, p.last).lastInsertRowid);
    if (found === undefined) {
      s.newVolunteer.run(id, row.organization, row.presenterOfColor ? 1 : 0);
      inserted = true;
      counts.presentersCreated++;
    }
    if (row.organization !== null) {
      let org = s.organization.get(row.organization) as number | undefined;
      if (org === undefined) {
        org = Number(s.newOrganization.run(row.organization, 'Business').lastInsertRowid);
        inserted = true;
      }
      ins(s.affiliation.run(id, org));
    }
    return id;
  };

  // What the current row changed: its outcome is created (it inserted something), else updated
  // (it changed something), else unchanged; so a second import of the same sheet is all unchanged.
  let inserted = false;
  let changed = false;
  const ins = (info: { changes: number }): void => void (inserted ||= info.changes > 0);
  const upd = (info: { changes: number }): void => void (changed ||= info.changes > 0);
  const primaryDone = new Set<number>();
  const schoolSet = new Set<number>();
  const teacherLinked = new Set<string>();
  // Rows that can create their event go first (timed before untimed), so a simulcast or untimed
  // row finds its event whatever its place in the sheet, and every import sees the same order.
  const rank = (r: VirtualSessionRow): number => (createsEvent(r.status) ? (r.start !== null ? 0 : 1) : 2);
  const ordered = [...rows].sort((a, b) => rank(a) - rank(b) || a.rowNumber - b.rowNumber);
  transaction(db, () => {
    for (const row of ordered) {
      s.savepoint.run();
      inserted = false;
      changed = false;
      try {
        const district = districtId(row.district);
        const school = row.schoolName === null ? null : schoolId(row.schoolName, district);
        let start = row.start?.toISOString() ?? null;
        if (start === null) start = (s.eventOnDay.get(row.title, isoDate(row.day)) as string | undefined) ?? null;
        if (start === null) {
          counts.skipped++;
          issues.push({ row: row.rowNumber, severity: 'warning', code: 'no_datetime', message: `Row ${row.rowNumber} for '${row.title}': no time and no existing event that day; cannot determine event datetime` });
          s.release.run();
          continue;
        }
        const existing = s.eventAt.get(row.title, start) as
          | { id: number; status: string; series: string | null; registration_link: string | null; school: string | null; participant_count: number | null }
          | undefined;
        const participants = 25 * (perDay.get(dayKey(row)) ?? 0);
        let eventId: number | undefined = existing?.id;
        if (existing === undefined) {
          if (!createsEvent(row.status)) {
            counts.skipped++;
            issues.push({ row: row.rowNumber, severity: 'warning', code: 'no_event', message: `Row ${row.rowNumber} for '${row.title}': a ${row.status ?? 'blank'} row with no event to attach to` });
            s.release.run();
            continue;
          }
          const end = new Date(Date.parse(start) + 3_600_000).toISOString();
          eventId = Number(
            s.newEvent.run(row.title, start, end, row.eventStatus, row.status, school, participants, row.sessionId, row.series, row.registrationLink, row.sessionType, row.eventStatus === 'Completed' ? 1 : null).lastInsertRowid,
          );
          inserted = true;
          primaryDone.add(eventId);
        } else if (!primaryDone.has(existing.id) && createsEvent(row.status)) {
          primaryDone.add(existing.id);
          const next = [row.eventStatus, row.series, row.registrationLink, school ?? existing.school, participants];
          const same = existing.status === next[0] && existing.series === next[1] && existing.registration_link === next[2] && existing.school === next[3] && existing.participant_count === next[4];
          if (!same) upd(s.updateEvent.run(...next, existing.id));
        }
        const id = eventId as number;
        ins(s.eventDistrict.run(id, district));
        const completed = row.eventStatus === 'Completed';
        for (const t of row.teachers) {
          const teacher = teacherId(t, school);
          // One status per event and teacher per import: the first row's.
          if (teacherLinked.has(`${id}:${teacher}`)) continue;
          teacherLinked.add(`${id}:${teacher}`);
          ins(s.eventTeacher.run(id, teacher, row.status ?? 'registered', (row.status ?? '').toLowerCase() === 'simulcast' ? 1 : 0, completed ? now.toISOString() : null));
        }
        for (const p of row.presenters) {
          const v = presenterId(p, row);
          if (s.participation.get(id, v) === undefined) ins(s.newParticipation.run(v, id, completed ? 'Completed' : 'Confirmed'));
        }
        s.release.run();
        if (inserted) counts.created++;
        else if (changed) counts.updated++;
        else counts.unchanged++;
      } catch (error) {
        s.rollback.run();
        s.release.run();
        counts.failed++;
        issues.push({ row: row.rowNumber, severity: 'error', code: 'DATABASE_ERROR', message: `Row ${row.rowNumber} for '${row.title}': ${(error as Error).message}` });
      }
    }
  });
  return { counts, issues };
}

/**
 * Deletes the report caches of `academicYear` (both tables), so reports are rebuilt from the
 * new rows. Only that year's rows: other years' caches stay valid.
 */
export function invalidateVirtualSessionCaches(db: VmsDatabase, academicYear: string): number {
  return transaction(db, () => {
    const a = db.prepare('DELETE FROM virtual_session_report_cache WHERE virtual_year = ?').run(academicYear).changes;
    const b = db.prepare('DELETE FROM virtual_session_district_cache WHERE virtual_year = ?').run(academicYear).changes;
    return a + b;
  });
}
