/**
 * The demo and test data generator: Salesforce records shaped like the real org (the API field
 * names of VMS-DOMAIN.md's appendix), deterministic for a seed, generated lazily per record so
 * production scale never sits in memory.
 *
 * Record `i` of a kind is built from its own random stream (`seed`, kind, `i`), and references
 * between kinds are index arithmetic, so `records(entity)` is a plain generator function per
 * entity. A known share of records is bad (missing names, bad dates, unknown picklist values,
 * orphan references); {@link Dataset.expectedIssues} lists each with the row-error code the sync
 * must record. Optional edits change a share of good records after `asOf`, for incremental tests.
 */
import { invalidOption } from '../db/errors';
import type { EntityName } from '../sync/dag';
import { RowErrorCode, type RowErrorSeverity } from '../sync/row-errors';
import { makeId } from './ids';
import { FIRST_NAMES, LAST_NAMES, ORG_WORDS, STREETS, CITIES, SKILLS, SESSION_TYPES, SCHOOL_WORDS } from './words';
import { Rng, hash32, unit } from './random';
import { volumesFor, type Scale, type Volumes } from './volumes';

/** A Salesforce record as the REST API returns it. */
export interface SfRecord {
  readonly attributes: { readonly type: string; readonly url?: string };
  readonly Id: string;
  readonly [field: string]: unknown;
}

/** A bad row the generator injected, and what the sync must record for it. */
export interface ExpectedIssue {
  readonly entity: EntityName;
  readonly salesforceId: string;
  /** What was broken, e.g. `missing_last_name`. */
  readonly kind: string;
  readonly code: RowErrorCode;
  /** `error`: the record is not written; `warning`: written with the bad value dropped. */
  readonly severity: RowErrorSeverity;
}

/** Options of {@link createDataset}. */
export interface DatasetOptions {
  /**
   * Random seed; the same seed and options give the same records.
   * @default 1
   */
  seed?: number;
  /**
   * Volumes: a multiple of scale 1 (~25k records) or `'prod'` (~700k).
   * @default 1
   */
  scale?: Scale;
  /**
   * Share of records per entity that are bad, in [0, 1].
   * @default 0.01
   */
  badRowRate?: number;
  /**
   * The instant the generated org "was read": every SystemModstamp lies in the year before it.
   * @default new Date('2025-06-30T12:00:00Z')
   */
  asOf?: Date;
  /** Change a share of good records after `asOf`, as a later read of the same org would see. */
  edits?: {
    /** Share of good records changed per entity, in [0, 1]. */
    fraction: number;
    /** Their new SystemModstamp (records share timestamps within the next minute). @default asOf + 1 day */
    at?: Date;
    /** Seed of the choice of edited records. @default 7 */
    seed?: number;
  };
}

/** Generated Salesforce data. */
export interface Dataset {
  readonly seed: number;
  readonly volumes: Volumes;
  readonly asOf: Date;
  /** The records the entity's sync query returns, in Id order, generated lazily. */
  records(entity: EntityName): Generator<SfRecord>;
  /** Every record of an SObject, including those no sync query returns (households, drafts). */
  sobjectRecords(sobject: SObjectName): Generator<SfRecord>;
  /** Every injected bad row, optionally of one entity. */
  expectedIssues(entity?: EntityName): Generator<ExpectedIssue>;
  /** Ids of the records `edits` changed, per entity (empty without `edits`). */
  editedIds(entity: EntityName): Set<string>;
  /** How many records `records(entity)` yields. */
  count(entity: EntityName): number;
}

/** The SObjects the generator fills. */
export const SOBJECT_NAMES = [
  'Account',
  'Contact',
  'Class__c',
  'npe5__Affiliation__c',
  'Session__c',
  'Session_Participant__c',
  'Task',
  'Pathway__c',
  'Pathway_Session__c',
  'Pathway_Participant__c',
] as const;
export type SObjectName = (typeof SOBJECT_NAMES)[number];

type Rec = Record<string, unknown> & { attributes: { type: string; url?: string }; Id: string };

interface BadKind {
  kind: string;
  code: RowErrorCode;
  severity: RowErrorSeverity;
  apply(rec: Rec, i: number): void;
}

const DAY = 86_400_000;
const API = '/services/data/v62.0/sobjects';

/** Formats an instant as Salesforce does: `2025-03-04T14:15:00.000+0000`. */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
function sfDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Creates a generated Salesforce data set.
 *
 * @example
 * ```ts
 * const data = createDataset({ seed: 42, scale: 0.1 });
 * for (const record of data.records('volunteers')) console.log(record.Id, record.LastName);
 * ```
 */
export function createDataset(options: DatasetOptions = {}): Dataset {
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) invalidOption('seed', 'an integer', seed);
  const badRowRate = options.badRowRate ?? 0.01;
  if (typeof badRowRate !== 'number' || !(badRowRate >= 0 && badRowRate <= 1)) {
    invalidOption('badRowRate', 'a number in [0, 1]', badRowRate);
  }
  const asOf = options.asOf ?? new Date('2025-06-30T12:00:00Z');
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) invalidOption('asOf', 'a valid Date', asOf);
  const edits = options.edits;
  if (edits !== undefined && !(typeof edits.fraction === 'number' && edits.fraction >= 0 && edits.fraction <= 1)) {
    invalidOption('edits.fraction', 'a number in [0, 1]', edits.fraction);
  }
  const editAt = edits?.at?.getTime() ?? asOf.getTime() + DAY;
  const editSeed = edits?.seed ?? 7;
  const v = volumesFor(options.scale ?? 1);
  const asOfMs = asOf.getTime();

  // ---- ids ---------------------------------------------------------------------------------
  const id = {
    district: (i: number) => makeId('001', 'D', i),
    school: (i: number) => makeId('001', 'S', i),
    organization: (i: number) => makeId('001', 'O', i),
    household: (i: number) => makeId('001', 'H', i),
    class: (i: number) => makeId('a0C', 'C', i),
    teacher: (i: number) => makeId('003', 'T', i),
    student: (i: number) => makeId('003', 'U', i),
    volunteer: (i: number) => makeId('003', 'V', i),
    affiliation: (i: number) => makeId('a0A', 'A', i),
    event: (i: number) => makeId('a0S', 'E', i),
    excludedEvent: (i: number) => makeId('a0S', 'X', i),
    volunteerParticipation: (i: number) => makeId('a0P', 'V', i),
    studentParticipation: (i: number) => makeId('a0P', 'S', i),
    history: (i: number) => makeId('00T', 'H', i),
    pathway: (i: number) => makeId('a0W', 'P', i),
    pathwaySession: (i: number) => makeId('a0X', 'P', i),
    pathwayParticipant: (i: number) => makeId('a0Y', 'P', i),
    orphan: (prefix: string, i: number) => makeId(prefix, 'Z', i),
  };

  // ---- names -------------------------------------------------------------------------------
  const districtName = (i: number) => `${CITIES[i % CITIES.length]} ${i >= CITIES.length ? `${Math.floor(i / CITIES.length) + 1} ` : ''}School District`;
  const schoolName = (i: number) => {
    const r = new Rng(hash32(seed, 'schoolname', i));
    return `${r.pick(SCHOOL_WORDS)} ${r.pick(['Elementary', 'Middle', 'High', 'Academy'])} ${i}`;
  };
  const orgName = (i: number) => {
    const r = new Rng(hash32(seed, 'orgname', i));
    return `${r.pick(ORG_WORDS)} ${r.pick(ORG_WORDS)} ${r.pick(['Inc.', 'LLC', 'Foundation', 'Corporation', 'Group'])} ${i}`;
  };

  // ---- bad rows ----------------------------------------------------------------------------
  const badKinds: Partial<Record<EntityName, BadKind[]>> = {
    organizations: [
      { kind: 'bad_last_activity_date', code: RowErrorCode.InvalidDate, severity: 'warning', apply: (r) => { r.LastActivityDate = '2024-13-45'; } },
    ],
    districts: [
      { kind: 'missing_name', code: RowErrorCode.MissingRequiredField, severity: 'error', apply: (r) => { r.Name = null; } },
    ],
    schools: [
      { kind: 'orphan_district', code: RowErrorCode.FkNotFound, severity: 'warning', apply: (r, i) => { r.ParentId = id.orphan('001', i); } },
    ],
    classes: [
      { kind: 'orphan_school', code: RowErrorCode.ParentNotFound, severity: 'error', apply: (r, i) => { r.School__c = id.orphan('001', 100_000 + i); } },
    ],
    teachers: [
      { kind: 'missing_last_name', code: RowErrorCode.MissingRequiredField, severity: 'error', apply: (r) => { r.LastName = null; } },
      { kind: 'unknown_gender', code: RowErrorCode.InvalidEnum, severity: 'warning', apply: (r) => { r.Gender__c = 'Walrus'; } },
    ],
    students: [
      { kind: 'missing_first_name', code: RowErrorCode.MissingRequiredField, severity: 'error', apply: (r) => { r.FirstName = '  '; } },
      { kind: 'bad_birthdate', code: RowErrorCode.InvalidDate, severity: 'warning', apply: (r) => { r.Birthdate = '31/02/2011'; } },
      { kind: 'grade_out_of_range', code: RowErrorCode.InvalidEnum, severity: 'warning', apply: (r) => { r.Current_Grade__c = 14; } },
    ],
    volunteers: [
      { kind: 'missing_last_name', code: RowErrorCode.MissingRequiredField, severity: 'error', apply: (r) => { r.LastName = ''; } },
      { kind: 'bad_email', code: RowErrorCode.InvalidEmail, severity: 'warning', apply: (r) => { r.Email = `${String(r.FirstName).toLowerCase()}@`; r.npe01__Preferred_Email__c = null; } },
      { kind: 'bad_birthdate', code: RowErrorCode.InvalidDate, severity: 'warning', apply: (r) => { r.Birthdate = '1985-02-30'; } },
      { kind: 'unknown_gender', code: RowErrorCode.InvalidEnum, severity: 'warning', apply: (r) => { r.Gender__c = 'Sometimes'; } },
    ],
    affiliations: [
      { kind: 'orphan_contact', code: RowErrorCode.ParentNotFound, severity: 'error', apply: (r, i) => { r.npe5__Contact__c = id.orphan('003', i); } },
      { kind: 'duplicate_pair', code: RowErrorCode.DuplicateRecord, severity: 'warning', apply: () => {} },
    ],
    events: [
      { kind: 'missing_name', code: RowErrorCode.MissingRequiredField, severity: 'error', apply: (r) => { r.Name = null; } },
      { kind: 'bad_start', code: RowErrorCode.InvalidDate, severity: 'error', apply: (r) => { r.Start_Date_and_Time__c = '2025-02-30T25:61:00.000+0000'; } },
      { kind: 'unknown_session_type', code: RowErrorCode.InvalidEnum, severity: 'warning', apply: (r) => { r.Session_Type__c = 'Mystery Session'; } },
    ],
    volunteer_participations: [
      { kind: 'orphan_contact', code: RowErrorCode.ParentNotFound, severity: 'error', apply: (r, i) => { r.Contact__c = id.orphan('003', 200_000 + i); } },
    ],
    student_participations: [
      { kind: 'orphan_session', code: RowErrorCode.ParentNotFound, severity: 'error', apply: (r, i) => { r.Session__c = id.orphan('a0S', i); } },
    ],
    history: [
      { kind: 'orphan_who', code: RowErrorCode.ParentNotFound, severity: 'error', apply: (r, i) => { r.WhoId = id.orphan('003', 300_000 + i); } },
      { kind: 'bad_activity_date', code: RowErrorCode.InvalidDate, severity: 'warning', apply: (r) => { r.ActivityDate = 'yesterday'; } },
    ],
    pathway_sessions: [
      { kind: 'orphan_session', code: RowErrorCode.ParentNotFound, severity: 'error', apply: (r, i) => { r.Session__c = id.orphan('a0S', 100_000 + i); } },
    ],
  };

  const count = (entity: EntityName): number => v[entity];

  /** The bad kind of record `i`, or undefined for a good record. */
  const badKindOf = (entity: EntityName, i: number): BadKind | undefined => {
    const kinds = badKinds[entity];
    if (!kinds || badRowRate === 0) return undefined;
    if (unit(seed, 'bad', entity, i) >= badRowRate) return undefined;
    let kind = kinds[hash32(seed, 'badkind', entity, i) % kinds.length] as BadKind;
    if (kind.kind === 'duplicate_pair' && duplicateSource(i) === undefined) kind = kinds[0] as BadKind;
    return kind;
  };
  const isFatal = (entity: EntityName, i: number): boolean => badKindOf(entity, i)?.severity === 'error';
  /** Index `i` moved forward to the next record of `entity` that the sync will write. */
  const goodRef = (entity: EntityName, i: number): number => {
    const n = count(entity);
    let j = ((i % n) + n) % n;
    for (let k = 0; k < n && isFatal(entity, j); k++) j = (j + 1) % n;
    return j;
  };

  /**
   * A written record of `entity` from a block of indexes reserved for link `i` of `links`, so
   * different links never reference the same parent (link pairs stay unique).
   */
  const blockRef = (entity: EntityName, i: number, links: number): number => {
    const n = count(entity);
    const size = Math.max(1, Math.floor(n / links));
    const start = (i * size) % n;
    for (let k = 0; k < size; k++) if (!isFatal(entity, (start + k) % n)) return (start + k) % n;
    return start;
  };

  // ---- timestamps --------------------------------------------------------------------------
  /** SystemModstamp: spread over the year before asOf, about three records per instant. */
  const baseModstamp = (entity: string, i: number, n: number): number => {
    const buckets = Math.max(1, Math.ceil(n / 3));
    let p = 7919;
    while (buckets % p === 0) p += 2;
    const bucket = (i * p + hash32(seed, 'ts', entity)) % buckets;
    const step = Math.floor((365 * DAY) / buckets / 1000) * 1000;
    return asOfMs - 365 * DAY + bucket * Math.max(step, 1000);
  };
  const isEdited = (entity: EntityName, i: number): boolean =>
    edits !== undefined && edits.fraction > 0 && editable.has(entity) && badKindOf(entity, i) === undefined &&
    unit(editSeed, 'edit', entity, i) < edits.fraction;

  const stamp = (rec: Rec, entity: string, i: number, n: number, edited: boolean): void => {
    const ms = edited ? editAt + (hash32(editSeed, 'editts', entity, i) % 20) * 1000 : baseModstamp(entity, i, n);
    rec.CreatedDate = sfDateTime(baseModstamp(entity, i, n) - 30 * DAY);
    rec.LastModifiedDate = sfDateTime(ms);
    rec.SystemModstamp = sfDateTime(ms);
  };

  const base = (type: string, recId: string): Rec => ({ attributes: { type, url: `${API}/${type}/${recId}` }, Id: recId });
  const person = (r: Rng) => ({ first: r.pick(FIRST_NAMES), last: r.pick(LAST_NAMES) });
  const phone = (r: Rng) => `(${r.int(200, 989)}) ${r.int(200, 999)}-${String(r.int(0, 9999)).padStart(4, '0')}`;

  // ---- per-kind builders -------------------------------------------------------------------
  const build: Record<EntityName, (i: number) => Rec> = {
    organizations(i) {
      const r = new Rng(hash32(seed, 'org', i));
      const rec = base('Account', id.organization(i));
      Object.assign(rec, {
        Name: orgName(i),
        Type: r.chance(0.05) ? null : r.pick(['Business', 'Non-Profit', 'Government', 'Higher Education', 'Other']),
        Description: r.chance(0.5) ? `Partner since ${2005 + r.int(0, 19)}` : null,
        ParentId: null,
        BillingStreet: `${r.int(1, 9999)} ${r.pick(STREETS)}`,
        BillingCity: r.pick(CITIES),
        BillingState: r.pick(['MO', 'KS']),
        BillingPostalCode: String(r.int(64000, 67999)),
        BillingCountry: 'United States',
        LastActivityDate: r.chance(0.7) ? sfDate(asOfMs - r.int(1, 700) * DAY) : null,
      });
      return rec;
    },
    districts(i) {
      const r = new Rng(hash32(seed, 'district', i));
      const rec = base('Account', id.district(i));
      Object.assign(rec, { Name: districtName(i), Type: 'School District', School_Code_External_ID__c: String(r.int(100, 999)) });
      return rec;
    },
    schools(i) {
      const r = new Rng(hash32(seed, 'school', i));
      const rec = base('Account', id.school(i));
      const name = schoolName(i);
      Object.assign(rec, {
        Name: name,
        Type: 'School',
        ParentId: id.district(goodRef('districts', i % v.districts)),
        Connector_Account_Name__c: name.toLowerCase(),
        School_Code_External_ID__c: String(r.int(1000, 9999)),
      });
      return rec;
    },
    classes(i) {
      const r = new Rng(hash32(seed, 'class', i));
      const rec = base('Class__c', id.class(i));
      const year = 2025 + r.int(0, 4);
      Object.assign(rec, { Name: `Class of ${year} - ${i}`, School__c: id.school(i % v.schools), Class_Year_Number__c: year });
      return rec;
    },
    teachers(i) {
      const r = new Rng(hash32(seed, 'teacher', i));
      const p = person(r);
      const rec = base('Contact', id.teacher(i));
      Object.assign(rec, {
        Contact_Type__c: 'Teacher',
        AccountId: id.school(i % v.schools),
        FirstName: p.first,
        LastName: p.last,
        Email: `${p.first}.${p.last}.t${i}@schools.example.org`.toLowerCase(),
        npsp__Primary_Affiliation__c: id.school(i % v.schools),
        Department: r.pick(['Science', 'Math', 'English', 'Social Studies', 'CTE', null]),
        Gender__c: r.pick(['Female', 'Male', 'Non-Binary', null]),
        Phone: r.chance(0.6) ? phone(r) : null,
        Last_Email_Message__c: r.chance(0.5) ? sfDate(asOfMs - r.int(1, 300) * DAY) : null,
        Last_Mailchimp_Email_Date__c: r.chance(0.5) ? sfDate(asOfMs - r.int(1, 300) * DAY) : null,
      });
      return rec;
    },
    students(i) {
      const r = new Rng(hash32(seed, 'student', i));
      const p = person(r);
      const rec = base('Contact', id.student(i));
      const grade = r.int(0, 12);
      Object.assign(rec, {
        Contact_Type__c: 'Student',
        AccountId: id.household(i % v.households),
        FirstName: p.first,
        LastName: p.last,
        MiddleName: r.chance(0.3) ? r.pick(FIRST_NAMES) : null,
        Email: r.chance(0.2) ? `${p.first}${i}@students.example.org`.toLowerCase() : null,
        Phone: r.chance(0.1) ? phone(r) : null,
        Local_Student_ID__c: String(100000 + i),
        Birthdate: sfDate(asOfMs - (6 + grade) * 365 * DAY - r.int(0, 364) * DAY),
        Gender__c: r.pick(['Female', 'Male', 'NA', null]),
        Racial_Ethnic_Background__c: r.pick(['Black/African American', 'Hispanic American/Latino', 'White', 'Asian American/Pacific Islander', null]),
        npsp__Primary_Affiliation__c: id.school(i % v.schools),
        Class__c: r.chance(0.8) ? id.class(goodRef('classes', i % v.classes)) : null,
        Legacy_Grade__c: r.chance(0.3) ? `Grade ${grade}` : null,
        Current_Grade__c: grade,
      });
      return rec;
    },
    volunteers(i) {
      const r = new Rng(hash32(seed, 'volunteer', i));
      const p = person(r);
      const rec = base('Contact', id.volunteer(i));
      const local = `${p.first}.${p.last}${i}`.toLowerCase();
      const work = r.chance(0.6) ? `${local}@${r.pick(ORG_WORDS).toLowerCase()}.example.com` : null;
      const home = r.chance(0.6) ? `${local}@mail.example.net` : null;
      const alt = r.chance(0.2) ? `${local}.alt@mail.example.net` : null;
      const preferred = r.pick(['Work', 'Personal', 'Alternate', null, null]);
      const email = preferred === 'Work' ? work : preferred === 'Personal' ? home : preferred === 'Alternate' ? alt : (home ?? work);
      const org = r.int(0, v.organizations - 1);
      const skillsText = r.chance(0.5) ? [r.pick(SKILLS), r.pick(SKILLS)].join(';') : null;
      const skills = r.chance(0.4) ? [r.pick(SKILLS).toUpperCase(), ` ${r.pick(SKILLS)}`].join(',') : null;
      Object.assign(rec, {
        Contact_Type__c: r.chance(0.2) ? null : 'Volunteer',
        AccountId: id.household(i % v.households),
        FirstName: p.first,
        LastName: p.last,
        MiddleName: r.chance(0.2) ? r.pick(FIRST_NAMES) : null,
        Email: email,
        npe01__AlternateEmail__c: alt,
        npe01__HomeEmail__c: home,
        npe01__WorkEmail__c: work,
        npe01__Preferred_Email__c: preferred,
        HomePhone: r.chance(0.3) ? phone(r) : null,
        MobilePhone: r.chance(0.5) ? phone(r) : null,
        npe01__WorkPhone__c: r.chance(0.4) ? phone(r) : null,
        Phone: r.chance(0.5) ? phone(r) : null,
        npe01__PreferredPhone__c: r.pick(['Work', 'Home', 'Mobile', null]),
        npsp__Primary_Affiliation__c: orgName(org),
        Title: r.pick(['Engineer', 'Manager', 'Director', 'Analyst', 'Nurse', 'Owner', null]),
        Department: r.pick(['IT', 'HR', 'Finance', 'Operations', null]),
        Gender__c: r.pick(['Female', 'Male', 'Non-Binary', 'Prefer not to say', null]),
        Birthdate: r.chance(0.5) ? sfDate(asOfMs - r.int(20, 70) * 365 * DAY) : null,
        Last_Mailchimp_Email_Date__c: r.chance(0.5) ? sfDate(asOfMs - r.int(1, 400) * DAY) : null,
        Last_Volunteer_Date__c: r.chance(0.6) ? sfDate(asOfMs - r.int(1, 400) * DAY) : null,
        Last_Email_Message__c: r.chance(0.5) ? sfDate(asOfMs - r.int(1, 400) * DAY) : null,
        Volunteer_Recruitment_Notes__c: r.chance(0.2) ? 'Met at career fair' : null,
        Volunteer_Skills__c: skills,
        Volunteer_Skills_Text__c: skillsText,
        Volunteer_Interests__c: r.chance(0.3) ? 'Career Speaker;Mentoring' : null,
        Number_of_Attended_Volunteer_Sessions__c: r.chance(0.7) ? r.int(0, 40) : null,
        Racial_Ethnic_Background__c: r.pick(['Black/African American', 'Hispanic American/Latino', 'White', 'Asian American/Pacific Islander', 'Bi-racial/Multi-racial/Multicultural', null]),
        Last_Activity_Date__c: r.chance(0.5) ? sfDate(asOfMs - r.int(1, 400) * DAY) : null,
        First_Volunteer_Date__c: r.chance(0.6) ? sfDate(asOfMs - r.int(400, 3000) * DAY) : null,
        Last_Non_Internal_Email_Activity__c: r.chance(0.4) ? sfDate(asOfMs - r.int(1, 400) * DAY) : null,
        Description: r.chance(0.2) ? 'Prefers morning sessions.' : null,
        Highest_Level_of_Educational__c: r.pick(['Bachelors Degree', 'Masters Degree', 'High School Diploma or GED', 'Advanced Professional Degree', 'Doctorate', null]),
        Age_Group__c: r.pick(['18-24', '25-34', '35-44', '45-54', '55-64', '65+', null]),
        DoNotCall: r.chance(0.05),
        npsp__Do_Not_Contact__c: r.chance(0.03),
        HasOptedOutOfEmail: r.chance(0.1),
        EmailBouncedDate: r.chance(0.02) ? sfDateTime(asOfMs - r.int(1, 100) * DAY) : null,
        MailingAddress: r.chance(0.7)
          ? { street: `${r.int(1, 9999)} ${r.pick(STREETS)}`, city: r.pick(CITIES), state: r.pick(['MO', 'KS']), postalCode: String(r.int(64000, 67999)), country: 'United States' }
          : null,
        npe01__Home_Address__c: null,
        npe01__Work_Address__c: r.chance(0.3) ? `${r.int(1, 999)} ${r.pick(STREETS)}, ${r.pick(CITIES)}, MO ${r.int(64000, 64999)}` : null,
        npe01__Other_Address__c: null,
        npe01__Primary_Address_Type__c: r.pick(['Home', 'Work', null]),
        npe01__Secondary_Address_Type__c: null,
        Connector_Active_Subscription__c: r.chance(0.1) ? 'BASIC' : null,
        Connector_Active_Subscription_Name__c: null,
        Connector_Affiliations__c: null,
        Connector_Industry__c: r.chance(0.1) ? 'Technology' : null,
        Connector_Joining_Date__c: null,
        Connector_Last_Login_Date_Time__c: null,
        Connector_Last_Update_Date__c: null,
        Connector_Profile_Link__c: null,
        Connector_Role__c: null,
        Connector_SignUp_Role__c: null,
        Connector_User_ID__c: null,
      });
      return rec;
    },
    affiliations(i) {
      const r = new Rng(hash32(seed, 'affiliation', i));
      const rec = base('npe5__Affiliation__c', id.affiliation(i));
      const pair = affiliationPair(i);
      const status = r.pick(['Current', 'Current', 'Former', 'former', null]);
      Object.assign(rec, {
        Name: `AFF-${String(i).padStart(7, '0')}`,
        npe5__Organization__c: pair.org,
        npe5__Contact__c: pair.contact,
        npe5__Role__c: r.chance(0.77) ? null : r.pick(['Employee', 'Board Member', 'Teacher', 'Volunteer Lead']),
        npe5__Primary__c: r.chance(0.3),
        npe5__Status__c: status,
        npe5__StartDate__c: r.chance(0.5) ? sfDate(asOfMs - r.int(100, 3000) * DAY) : null,
        npe5__EndDate__c: status === 'Former' ? sfDate(asOfMs - r.int(1, 99) * DAY) : null,
      });
      return rec;
    },
    events(i) {
      const r = new Rng(hash32(seed, 'event', i));
      const rec = base('Session__c', id.event(i));
      const start = asOfMs - r.int(0, 360) * DAY - ((asOfMs / 1000) % 86400) * 1000 + r.int(13, 22) * 3_600_000 + r.pick([0, 15, 30, 45]) * 60_000;
      const school = r.chance(0.75) ? i % v.schools : -1;
      const district = goodRef('districts', school >= 0 ? school % v.districts : i % v.districts);
      const type = r.pick(SESSION_TYPES);
      Object.assign(rec, {
        Name: `${type} at ${school >= 0 ? schoolName(school) : districtName(district)}`,
        Session_Type__c: type,
        Format__c: r.pick(['In-Person', 'In-Person', 'Virtual', null]),
        Start_Date_and_Time__c: sfDateTime(start),
        End_Date_and_Time__c: sfDateTime(start + r.pick([60, 90, 120]) * 60_000),
        Session_Status__c: r.pick(['Completed', 'Completed', 'Confirmed', 'Requested', 'Cancelled', 'Published']),
        Location_Information__c: r.chance(0.5) ? `${r.int(1, 999)} ${r.pick(STREETS)}` : null,
        Description__c: r.chance(0.5) ? 'Students meet a professional.' : null,
        Cancellation_Reason__c: r.chance(0.05) ? 'Inclement Weather Cancellation' : null,
        Non_Scheduled_Students_Count__c: r.chance(0.5) ? r.int(0, 120) : null,
        District__c: districtName(district),
        School__c: school >= 0 ? id.school(school) : null,
        Legacy_Skill_Covered_for_the_Session__c: r.chance(0.3) ? 'PWY-Healthcare;Skills-Communication' : null,
        Legacy_Skills_Needed__c: r.chance(0.3) ? 'CCE-College Readiness' : null,
        Requested_Skills__c: r.chance(0.3) ? 'CSCs-Teamwork;ACT-Hands on' : null,
        Additional_Information__c: null,
        Total_Requested_Volunteer_Jobs__c: r.int(0, 10),
        Available_Slots__c: r.chance(0.1) ? -1 : r.int(0, 10),
        Parent_Account__c: null,
        Session_Host__c: r.pick(['PREPKC', 'PREPKC', 'Partner']),
        Registration_Link__c: r.chance(0.3) ? `<a href="https://signup.example.org/e/${i}" target="_blank">Sign up</a>` : null,
      });
      return rec;
    },
    volunteer_participations(i) {
      const r = new Rng(hash32(seed, 'vpart', i));
      const rec = base('Session_Participant__c', id.volunteerParticipation(i));
      const vol = goodRef('volunteers', hash32(seed, 'vpart-vol', i) % v.volunteers);
      const hours = r.pick([1, 1.5, 2, 0, null, 'n/a']);
      Object.assign(rec, {
        Name: `VP-${String(i).padStart(7, '0')}`,
        Participant_Type__c: 'Volunteer',
        Contact__c: id.volunteer(vol),
        Session__c: id.event(goodRef('events', i % v.events)),
        Status__c: r.pick(['Attended', 'Attended', 'Confirmed', 'No Show', 'Cancelled']),
        Delivery_Hours__c: hours,
        Age_Group__c: r.pick(['25-34', '35-44', null]),
        Email__c: r.chance(0.5) ? `vol${vol}@example.com` : null,
        Title__c: r.pick(['Engineer', 'Manager', null]),
      });
      return rec;
    },
    student_participations(i) {
      const r = new Rng(hash32(seed, 'spart', i));
      const rec = base('Session_Participant__c', id.studentParticipation(i));
      Object.assign(rec, {
        Name: `SP-${String(i).padStart(7, '0')}`,
        Participant_Type__c: 'Student',
        Contact__c: id.student(goodRef('students', hash32(seed, 'spart-stu', i) % v.students)),
        Session__c: id.event(goodRef('events', i % v.events)),
        Status__c: r.pick(['Attended', 'Registered', 'No Show']),
        Delivery_Hours__c: r.pick([1, 2, null]),
        Age_Group__c: r.pick(['Under 18', null]),
        Email__c: null,
        Title__c: null,
      });
      return rec;
    },
    history(i) {
      const r = new Rng(hash32(seed, 'history', i));
      const rec = base('Task', id.history(i));
      const which = r.int(0, 9);
      const who =
        which < 7
          ? id.volunteer(goodRef('volunteers', hash32(seed, 'h-who', i) % v.volunteers))
          : which < 9
            ? id.teacher(goodRef('teachers', hash32(seed, 'h-who', i) % v.teachers))
            : id.student(goodRef('students', hash32(seed, 'h-who', i) % v.students));
      const type = r.pick(['Email', 'Call', 'Meeting', 'status_update', null]);
      Object.assign(rec, {
        Subject: type === 'Email' ? `Email: Thank you for volunteering (${i})` : `Follow-up ${i}`,
        Description: r.chance(0.5) ? '<p>Talked   about <b>next</b> session.</p>' : null,
        Type: type,
        Status: r.pick(['Completed', 'Not Started']),
        ActivityDate: r.chance(0.9) ? sfDate(asOfMs - r.int(1, 365) * DAY) : null,
        WhoId: who,
        WhatId: r.chance(0.4) ? id.event(goodRef('events', i % v.events)) : null,
      });
      return rec;
    },
    pathways(i) {
      const rec = base('Pathway__c', id.pathway(i));
      Object.assign(rec, { Name: `Pathway ${i}: ${ORG_WORDS[i % ORG_WORDS.length]} careers` });
      return rec;
    },
    pathway_sessions(i) {
      const rec = base('Pathway_Session__c', id.pathwaySession(i));
      Object.assign(rec, {
        Name: `PS-${i}`,
        Pathway__c: id.pathway(i % v.pathways),
        Session__c: id.event(blockRef('events', i, v.pathway_sessions)),
      });
      return rec;
    },
    pathway_participants(i) {
      const rec = base('Pathway_Participant__c', id.pathwayParticipant(i));
      Object.assign(rec, {
        Name: `PP-${i}`,
        Pathway__c: id.pathway(i % v.pathways),
        Contact__c: id.volunteer(blockRef('volunteers', i, v.pathway_participants)),
      });
      return rec;
    },
  };

  // ---- affiliations: unique (contact, organization) pairs ------------------------------------
  const contactsForAffiliations = v.volunteers + v.teachers + v.students;
  function affiliationPair(i: number): { contact: string; org: string; contactKind: 'volunteer' | 'teacher' | 'student'; contactIndex: number } {
    const rIdx = i % contactsForAffiliations;
    const q = Math.floor(i / contactsForAffiliations);
    if (rIdx < v.volunteers) {
      return { contact: id.volunteer(rIdx), org: id.organization((rIdx * 7 + q * 13) % v.organizations), contactKind: 'volunteer', contactIndex: rIdx };
    }
    if (rIdx < v.volunteers + v.teachers) {
      const t = rIdx - v.volunteers;
      return { contact: id.teacher(t), org: id.school((t + q * 17) % v.schools), contactKind: 'teacher', contactIndex: t };
    }
    const s = rIdx - v.volunteers - v.teachers;
    return { contact: id.student(s), org: id.school((s + q) % v.schools), contactKind: 'student', contactIndex: s };
  }
  /** The earlier good affiliation a duplicate copies, when there is a usable one. */
  function duplicateSource(i: number): number | undefined {
    const j = i - 1;
    if (j < 0 || unit(seed, 'bad', 'affiliations', j) < badRowRate) return undefined;
    const pair = affiliationPair(j);
    if (pair.contactKind === 'student') return undefined;
    if (isFatal(pair.contactKind === 'volunteer' ? 'volunteers' : 'teachers', pair.contactIndex)) return undefined;
    return j;
  }

  const editable = new Set<EntityName>([
    'organizations', 'districts', 'schools', 'classes', 'teachers', 'students', 'volunteers', 'affiliations',
    'events', 'volunteer_participations', 'student_participations', 'history', 'pathways',
  ]);
  const applyEdit: Partial<Record<EntityName, (rec: Rec) => void>> = {
    organizations: (r) => { r.Description = `${String(r.Description ?? '')} (edited)`.trim(); },
    districts: (r) => { r.School_Code_External_ID__c = `E${String(r.School_Code_External_ID__c)}`; },
    schools: (r) => { r.Connector_Account_Name__c = `${String(r.Connector_Account_Name__c)} edited`; },
    classes: (r) => { r.Name = `${String(r.Name)} (edited)`; },
    teachers: (r) => { r.Department = 'Edited Department'; },
    students: (r) => { r.MiddleName = 'Edited'; },
    volunteers: (r) => { r.Title = 'Edited Title'; },
    affiliations: (r) => { r.npe5__Role__c = 'Edited Role'; },
    events: (r) => { r.Description__c = `${String(r.Description__c ?? '')} (edited)`.trim(); },
    volunteer_participations: (r) => { r.Title__c = 'Edited Title'; },
    student_participations: (r) => { r.Age_Group__c = 'Edited'; },
    history: (r) => { r.Subject = `${String(r.Subject)} (edited)`; },
    pathways: (r) => { r.Name = `${String(r.Name)} (edited)`; },
  };

  /** Record `i` of `entity`, with its bad kind and edit applied. */
  const recordAt = (entity: EntityName, i: number): Rec => {
    const rec = build[entity](i);
    const bad = badKindOf(entity, i);
    if (bad) {
      if (bad.kind === 'duplicate_pair') {
        const src = affiliationPair(duplicateSource(i) as number);
        rec.npe5__Contact__c = src.contact;
        rec.npe5__Organization__c = src.org;
      } else {
        bad.apply(rec, i);
      }
    }
    const edited = isEdited(entity, i);
    if (edited) applyEdit[entity]?.(rec);
    stamp(rec, entity, i, count(entity), edited);
    return rec;
  };

  function* records(entity: EntityName): Generator<SfRecord> {
    const n = count(entity);
    for (let i = 0; i < n; i++) yield recordAt(entity, i);
  }

  function* excludedEvents(): Generator<SfRecord> {
    for (let i = 0; i < v.excludedEvents; i++) {
      const r = new Rng(hash32(seed, 'excluded-event', i));
      const rec = base('Session__c', id.excludedEvent(i));
      const draft = i % 2 === 0;
      Object.assign(rec, {
        Name: draft ? `Draft session ${i}` : `Connector session ${i}`,
        Session_Type__c: draft ? r.pick(SESSION_TYPES) : 'Connector Session',
        Session_Status__c: draft ? 'Draft' : 'Completed',
        Start_Date_and_Time__c: sfDateTime(asOfMs - r.int(1, 300) * DAY),
      });
      stamp(rec, 'excludedEvents', i, v.excludedEvents, false);
      yield rec;
    }
  }
  function* households(): Generator<SfRecord> {
    for (let i = 0; i < v.households; i++) {
      const r = new Rng(hash32(seed, 'household', i));
      const rec = base('Account', id.household(i));
      Object.assign(rec, { Name: `${r.pick(LAST_NAMES)} Household`, Type: 'Household' });
      stamp(rec, 'households', i, v.households, false);
      yield rec;
    }
  }

  const sobjectSources: Record<SObjectName, () => Iterable<SfRecord>[]> = {
    Account: () => [records('organizations'), records('districts'), records('schools'), households()],
    Contact: () => [records('teachers'), records('students'), records('volunteers')],
    Class__c: () => [records('classes')],
    npe5__Affiliation__c: () => [records('affiliations')],
    Session__c: () => [records('events'), excludedEvents()],
    Session_Participant__c: () => [records('volunteer_participations'), records('student_participations')],
    Task: () => [records('history')],
    Pathway__c: () => [records('pathways')],
    Pathway_Session__c: () => [records('pathway_sessions')],
    Pathway_Participant__c: () => [records('pathway_participants')],
  };

  function* expectedIssues(entity?: EntityName): Generator<ExpectedIssue> {
    const entities = entity ? [entity] : (Object.keys(build) as EntityName[]);
    for (const e of entities) {
      const n = count(e);
      for (let i = 0; i < n; i++) {
        const bad = badKindOf(e, i);
        const recId = recordIdOf(e, i);
        if (bad) {
          yield { entity: e, salesforceId: recId, kind: bad.kind, code: bad.code, severity: bad.severity };
        } else if (e === 'affiliations') {
          const pair = affiliationPair(i);
          if (pair.contactKind !== 'student' && isFatal(pair.contactKind === 'volunteer' ? 'volunteers' : 'teachers', pair.contactIndex)) {
            yield { entity: e, salesforceId: recId, kind: 'contact_not_imported', code: RowErrorCode.ParentNotFound, severity: 'error' };
          }
        }
      }
    }
  }

  const recordIdOf = (entity: EntityName, i: number): string => {
    switch (entity) {
      case 'organizations': return id.organization(i);
      case 'districts': return id.district(i);
      case 'schools': return id.school(i);
      case 'classes': return id.class(i);
      case 'teachers': return id.teacher(i);
      case 'students': return id.student(i);
      case 'volunteers': return id.volunteer(i);
      case 'affiliations': return id.affiliation(i);
      case 'events': return id.event(i);
      case 'volunteer_participations': return id.volunteerParticipation(i);
      case 'student_participations': return id.studentParticipation(i);
      case 'history': return id.history(i);
      case 'pathways': return id.pathway(i);
      case 'pathway_sessions': return id.pathwaySession(i);
      case 'pathway_participants': return id.pathwayParticipant(i);
    }
  };

  return {
    seed,
    volumes: v,
    asOf,
    records,
    *sobjectRecords(sobject) {
      const sources = sobjectSources[sobject];
      if (!sources) invalidOption('sobject', `one of ${SOBJECT_NAMES.join(', ')}`, sobject);
      for (const source of sources()) yield* source;
    },
    expectedIssues,
    editedIds(entity) {
      const out = new Set<string>();
      if (!edits) return out;
      const n = count(entity);
      for (let i = 0; i < n; i++) if (isEdited(entity, i)) out.add(recordIdOf(entity, i));
      return out;
    },
    count,
  };
}

/** Whether affiliation contacts of a kind are skipped by the sync (students are). */
export const SKIPPED_AFFILIATION_CONTACT_KIND = 'student';
