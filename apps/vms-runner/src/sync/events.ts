/**
 * Events (`Session__c`) and their volunteer and student participations
 * (`Session_Participant__c`), VMS-DOMAIN.md §1.8–1.9.
 *
 * Event start and end keep their time and zone: they are stored as ISO-8601 UTC instants
 * (`2025-03-04T14:15:00.000Z`), never truncated to a date. An event without a start is a
 * MISSING_REQUIRED_FIELD error rather than a made-up 2000-01-01.
 */
import type { RowIssue } from './row-errors';
import { RowErrorCode } from './row-errors';
import { cachedLookup, rowHash, upserter, type EntityDefinition, type WriteOutcome } from './entity';
import { deliveryHours, mapCancellationReason, mapEventFormat, mapSessionType, parseEventSkills } from './picklists';
import { isSalesforceId18 } from '../generator/ids';
import { IssueList, count, extractHref, parseDateTime, str } from './values';

const fail = (code: RowErrorCode, field: string, message: string) =>
  ({ ok: false, issue: { code, severity: 'error', field, message } }) as const;

// ---- events -------------------------------------------------------------------------------

interface EventValue {
  salesforceId: string;
  row: Record<string, unknown>;
  schoolRef: string | null;
  districtRef: string | null;
  skills: string[];
}

const EVENT_COLUMNS = [
  'title', 'description', 'type', 'format', 'start_date', 'end_date', 'duration', 'status', 'original_status_string',
  'cancellation_reason', 'location', 'school', 'district_partner', 'participant_count', 'available_slots',
  'total_requested_volunteer_jobs', 'additional_information', 'session_host', 'registration_link', 'import_source',
] as const;

export const events: EntityDefinition<EventValue> = {
  name: 'events',
  sobject: 'Session__c',
  fields: [
    'Name', 'Session_Type__c', 'Format__c', 'Start_Date_and_Time__c', 'End_Date_and_Time__c', 'Session_Status__c',
    'Location_Information__c', 'Description__c', 'Cancellation_Reason__c', 'Non_Scheduled_Students_Count__c', 'District__c',
    'School__c', 'Legacy_Skill_Covered_for_the_Session__c', 'Legacy_Skills_Needed__c', 'Requested_Skills__c',
    'Additional_Information__c', 'Total_Requested_Volunteer_Jobs__c', 'Available_Slots__c', 'Parent_Account__c',
    'Session_Host__c', 'Registration_Link__c',
  ],
  where: "Session_Status__c != 'Draft' AND Session_Type__c != 'Connector Session'",
  matches: (r) => r.Session_Status__c !== 'Draft' && r.Session_Type__c !== 'Connector Session',
  nameOf: (r) => str(r.Name),
  map(r) {
    const title = str(r.Name);
    if (title === null) return fail(RowErrorCode.MissingRequiredField, 'Name', 'Event has no Name');
    const start = parseDateTime(r.Start_Date_and_Time__c);
    if (start === undefined) return fail(RowErrorCode.InvalidDate, 'Start_Date_and_Time__c', `Start_Date_and_Time__c is not a datetime: \`${String(r.Start_Date_and_Time__c)}\``);
    if (start === null) return fail(RowErrorCode.MissingRequiredField, 'Start_Date_and_Time__c', 'Event has no Start_Date_and_Time__c');
    const issues = new IssueList();
    let end = parseDateTime(r.End_Date_and_Time__c);
    if (end === undefined) {
      issues.warn(RowErrorCode.InvalidDate, 'End_Date_and_Time__c', `End_Date_and_Time__c is not a datetime: \`${String(r.End_Date_and_Time__c)}\``);
      end = null;
    }
    const rawType = str(r.Session_Type__c);
    const type = mapSessionType(rawType);
    if (type.unknown) issues.warn(RowErrorCode.InvalidEnum, 'Session_Type__c', `Unknown Session_Type__c \`${rawType}\`; stored as classroom_activity`);
    const status = str(r.Session_Status__c);
    const district = str(r.District__c) ?? str(r.Parent_Account__c);
    const row = {
      title,
      description: str(r.Description__c),
      type: type.value,
      format: mapEventFormat(str(r.Format__c)),
      start_date: start,
      end_date: end,
      duration: end !== null ? Math.max(0, Math.round((Date.parse(end) - Date.parse(start)) / 60_000)) : null,
      status: status ?? 'Draft',
      original_status_string: status,
      cancellation_reason: mapCancellationReason(str(r.Cancellation_Reason__c)),
      location: str(r.Location_Information__c),
      school: null as string | null,
      district_partner: district,
      participant_count: count(r.Non_Scheduled_Students_Count__c),
      available_slots: count(r.Available_Slots__c),
      total_requested_volunteer_jobs: count(r.Total_Requested_Volunteer_Jobs__c),
      additional_information: str(r.Additional_Information__c),
      session_host: str(r.Session_Host__c) ?? 'PREPKC',
      registration_link: extractHref(r.Registration_Link__c),
      import_source: 'salesforce',
    };
    const skills = parseEventSkills(str(r.Legacy_Skill_Covered_for_the_Session__c), str(r.Legacy_Skills_Needed__c), str(r.Requested_Skills__c));
    return { ok: true, value: { salesforceId: r.Id, row, schoolRef: str(r.School__c), districtRef: district, skills }, warnings: issues.items };
  },
  prepare(db) {
    const up = upserter(db, 'event', 'salesforce_id', EVENT_COLUMNS, { touchUpdatedAt: true });
    const school = db.prepare('SELECT district_id FROM school WHERE id = ?');
    const districtBySf = db.prepare('SELECT id FROM district WHERE salesforce_id = ?').pluck();
    const districtByName = db.prepare('SELECT id FROM district WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1').pluck();
    const clearDistricts = db.prepare('DELETE FROM event_districts WHERE event_id = ?');
    const linkDistrict = db.prepare('INSERT OR IGNORE INTO event_districts (event_id, district_id) VALUES (?, ?)');
    const clearSkills = db.prepare('DELETE FROM event_skills WHERE event_id = ?');
    const skillId = db.prepare('SELECT id FROM skill WHERE name = ?').pluck();
    const insertSkill = db.prepare('INSERT INTO skill (name) VALUES (?)');
    const linkSkill = db.prepare('INSERT OR IGNORE INTO event_skills (event_id, skill_id) VALUES (?, ?)');
    // Skill ids by name (a few hundred names at most); dropped with any rolled-back write.
    const skills = new Map<string, number>();
    const skillIdOf = (name: string): number => {
      let sid = skills.get(name);
      if (sid === undefined) {
        sid = (skillId.get(name) as number | undefined) ?? Number(insertSkill.run(name).lastInsertRowid);
        if (skills.size < 10_000) skills.set(name, sid);
      }
      return sid;
    };
    const write = (value: EventValue): WriteOutcome => {
      const warnings: RowIssue[] = [];
      const row = { ...value.row };
      const districtIds = new Set<number>();
      if (value.schoolRef !== null) {
        const s = school.get(value.schoolRef) as { district_id: number | null } | undefined;
        if (s) {
          row.school = value.schoolRef;
          if (s.district_id !== null) districtIds.add(s.district_id);
        } else {
          warnings.push({ code: RowErrorCode.FkNotFound, severity: 'warning', field: 'School__c', message: `School with Salesforce ID ${value.schoolRef} not found; event stored without a school` });
        }
      }
      if (value.districtRef !== null) {
        const d = (isSalesforceId18(value.districtRef) ? districtBySf.get(value.districtRef) : districtByName.get(value.districtRef)) as number | undefined;
        if (d !== undefined) districtIds.add(d);
      }
      const districts = [...districtIds].sort((a, b) => a - b);
      const result = up.upsert(value.salesforceId, row, rowHash([row, districts, value.skills]));
      if (result.status !== 'unchanged') {
        const id = result.id as number;
        const fresh = result.status === 'created';
        if (!fresh) clearDistricts.run(id);
        for (const d of districts) linkDistrict.run(id, d);
        if (!fresh) clearSkills.run(id);
        for (const name of value.skills) linkSkill.run(id, skillIdOf(name));
      }
      return warnings.length > 0 ? { status: result.status, warnings } : { status: result.status };
    };
    return Object.assign(write, { discard: () => skills.clear() });
  },
};

// ---- participations -----------------------------------------------------------------------

interface ParticipationValue {
  salesforceId: string;
  contact: string;
  session: string;
  status: string | null;
  deliveryHours: number | null;
  ageGroup: string | null;
  email: string | null;
  title: string | null;
}

const PARTICIPANT_FIELDS = ['Name', 'Contact__c', 'Session__c', 'Status__c', 'Delivery_Hours__c', 'Age_Group__c', 'Email__c', 'Title__c'];

function mapParticipation(r: Parameters<EntityDefinition['map']>[0]) {
  const contact = str(r.Contact__c);
  if (contact === null) return fail(RowErrorCode.MissingRequiredField, 'Contact__c', 'Participation has no Contact__c');
  const session = str(r.Session__c);
  if (session === null) return fail(RowErrorCode.MissingRequiredField, 'Session__c', 'Participation has no Session__c');
  const value: ParticipationValue = {
    salesforceId: r.Id,
    contact,
    session,
    status: str(r.Status__c),
    deliveryHours: deliveryHours(r.Delivery_Hours__c),
    ageGroup: str(r.Age_Group__c),
    email: str(r.Email__c),
    title: str(r.Title__c),
  };
  return { ok: true as const, value, warnings: [] };
}

/** `Session_Participant__c` rows of volunteers → `event_participation`. */
export const volunteerParticipations: EntityDefinition<ParticipationValue> = {
  name: 'volunteer_participations',
  sobject: 'Session_Participant__c',
  fields: PARTICIPANT_FIELDS,
  where: "Participant_Type__c = 'Volunteer'",
  matches: (r) => r.Participant_Type__c === 'Volunteer',
  nameOf: (r) => str(r.Name),
  map: mapParticipation,
  prepare(db) {
    const up = upserter(db, 'event_participation', 'salesforce_id', ['volunteer_id', 'event_id', 'status', 'delivery_hours', 'age_group', 'email', 'title', 'participant_type']);
    const volunteerStmt = db.prepare('SELECT c.id FROM contact c JOIN volunteer v ON v.id = c.id WHERE c.salesforce_individual_id = ?').pluck();
    const eventStmt = db.prepare('SELECT id FROM event WHERE salesforce_id = ?').pluck();
    const volunteer = cachedLookup((id) => volunteerStmt.get(id) as number | undefined);
    const event = cachedLookup((id) => eventStmt.get(id) as number | undefined);
    const link = db.prepare('INSERT OR IGNORE INTO event_volunteers (event_id, volunteer_id) VALUES (?, ?)');
    return (value): WriteOutcome => {
      const volunteerId = volunteer.get(value.contact);
      const eventId = event.get(value.session);
      if (volunteerId === undefined || eventId === undefined) {
        const missing = volunteerId === undefined ? `volunteer:${value.contact}` : `event:${value.session}`;
        const message = volunteerId === undefined ? `Volunteer with Salesforce ID ${value.contact} not found` : `Event with Salesforce ID ${value.session} not found`;
        return { status: 'queued', missing, message };
      }
      const row = { volunteer_id: volunteerId, event_id: eventId, status: value.status ?? 'Unknown', delivery_hours: value.deliveryHours, age_group: value.ageGroup, email: value.email, title: value.title, participant_type: 'Volunteer' };
      const result = up.upsert(value.salesforceId, row, rowHash(row));
      if (result.status === 'created') link.run(eventId, volunteerId);
      return { status: result.status };
    };
  },
};

/**
 * `Session_Participant__c` rows of students → `event_student_participation`; a row the
 * virtual import created for the same event and student (no Salesforce Id yet) is adopted.
 */
export const studentParticipations: EntityDefinition<ParticipationValue> = {
  name: 'student_participations',
  sobject: 'Session_Participant__c',
  fields: PARTICIPANT_FIELDS,
  where: "Participant_Type__c = 'Student'",
  matches: (r) => r.Participant_Type__c === 'Student',
  nameOf: (r) => str(r.Name),
  map: mapParticipation,
  prepare(db) {
    const up = upserter(db, 'event_student_participation', 'salesforce_id', ['event_id', 'student_id', 'status', 'delivery_hours', 'age_group'], { touchUpdatedAt: true });
    const studentStmt = db.prepare('SELECT c.id FROM contact c JOIN student s ON s.id = c.id WHERE c.salesforce_individual_id = ?').pluck();
    const eventStmt = db.prepare('SELECT id FROM event WHERE salesforce_id = ?').pluck();
    const student = cachedLookup((id) => studentStmt.get(id) as number | undefined);
    const event = cachedLookup((id) => eventStmt.get(id) as number | undefined);
    const adopt = db.prepare('UPDATE event_student_participation SET salesforce_id = ? WHERE event_id = ? AND student_id = ? AND salesforce_id IS NULL');
    return (value): WriteOutcome => {
      const studentId = student.get(value.contact);
      const eventId = event.get(value.session);
      if (studentId === undefined || eventId === undefined) {
        const missing = studentId === undefined ? `student:${value.contact}` : `event:${value.session}`;
        const message = studentId === undefined ? `Student with Salesforce ID ${value.contact} not found` : `Event with Salesforce ID ${value.session} not found`;
        return { status: 'queued', missing, message };
      }
      let existing = up.find(value.salesforceId);
      // A row the virtual import made for this event and student takes the Salesforce Id.
      if (!existing && adopt.run(value.salesforceId, eventId, studentId).changes > 0) existing = up.find(value.salesforceId);
      const row = { event_id: eventId, student_id: studentId, status: value.status, delivery_hours: value.deliveryHours, age_group: value.ageGroup };
      return { status: up.upsert(value.salesforceId, row, rowHash(row), existing ?? null).status };
    };
  },
};
