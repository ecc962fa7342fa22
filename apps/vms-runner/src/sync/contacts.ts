/**
 * Contact-based entities: teachers, students and volunteers (VMS-DOMAIN.md §1.5–1.7). A contact
 * is one `contact` row plus its subtype row, with its emails, phones and addresses (and, for
 * volunteers, skills and connector data) replaced as a whole when the record changed.
 */
import type { VmsDatabase } from '../db/database';
import { RowErrorCode, type RowIssue } from './row-errors';
import { cachedLookup, rowHash, sqlValue, type EntityDefinition, type SfRecord, type WriteOutcome } from './entity';
import { prepareFlags } from './flags';
import { mapEducation, mapGender, mapRaceEthnicity, parseVolunteerSkills } from './picklists';
import { IssueList, birthdate, bool, count, date, dateTime, email, int, isAllCaps, phone, smartTitleCase, str } from './values';

type ContactType = 'volunteer' | 'teacher' | 'student';
type InfoType = 'personal' | 'professional';

interface EmailRow { email: string; type: InfoType; primary: boolean }
interface PhoneRow { number: string; type: InfoType; primary: boolean }
interface AddressRow { address_line1: string | null; city: string | null; state: string | null; zip_code: string | null; country: string | null; type: InfoType; primary: boolean }

/** A mapped contact, before parent lookups. */
export interface ContactValue {
  salesforceId: string;
  type: ContactType;
  contact: Record<string, unknown>;
  sub: Record<string, unknown>;
  emails: EmailRow[];
  phones: PhoneRow[];
  addresses: AddressRow[];
  skills?: string[];
  connector?: Record<string, unknown>;
  /** Student references checked against the database when written. */
  refs?: { school?: string | null; class?: string | null };
  allCapsName?: boolean;
}

const CONTACT_COLUMNS = [
  'salesforce_account_id', 'first_name', 'middle_name', 'last_name', 'description', 'age_group', 'education_level',
  'birthdate', 'gender', 'race_ethnicity', 'do_not_call', 'do_not_contact', 'email_opt_out', 'email_bounced_date',
  'last_email_date', 'notes',
] as const;

const SUB_COLUMNS: Record<ContactType, readonly string[]> = {
  volunteer: [
    'organization_name', 'title', 'department', 'education', 'first_volunteer_date', 'last_volunteer_date',
    'last_non_internal_email_date', 'last_activity_date', 'times_volunteered', 'last_mailchimp_activity_date', 'interests',
  ],
  teacher: ['department', 'school_id', 'salesforce_school_id', 'last_email_message', 'last_mailchimp_date'],
  student: ['current_grade', 'legacy_grade', 'student_id', 'school_id', 'class_salesforce_id', 'racial_ethnic'],
};

const CONNECTOR_COLUMNS = [
  'active_subscription', 'active_subscription_name', 'role', 'signup_role', 'profile_link', 'affiliations', 'industry',
  'user_auth_id', 'joining_date', 'last_login_datetime', 'last_update_date',
] as const;

const fail = (code: RowErrorCode, field: string, message: string) =>
  ({ ok: false, issue: { code, severity: 'error', field, message } }) as const;

const contactName = (r: SfRecord): string | null => {
  const name = [str(r.FirstName), str(r.LastName)].filter((x) => x !== null).join(' ');
  return name.length > 0 ? name : null;
};

function gender(r: SfRecord, issues: IssueList): string | null {
  const raw = str(r.Gender__c);
  const g = mapGender(raw);
  if (g.unknown) issues.warn(RowErrorCode.InvalidEnum, 'Gender__c', `Unknown Gender__c value \`${raw}\`; gender left empty`);
  return g.value;
}

function baseContact(r: SfRecord, issues: IssueList): Record<string, unknown> {
  return {
    salesforce_account_id: str(r.AccountId),
    first_name: str(r.FirstName) ?? '',
    middle_name: str(r.MiddleName),
    last_name: str(r.LastName) ?? '',
    description: null,
    age_group: null,
    education_level: null,
    birthdate: 'Birthdate' in r ? birthdate(r.Birthdate, 'Birthdate', issues) : null,
    gender: gender(r, issues),
    race_ethnicity: null,
    do_not_call: false,
    do_not_contact: false,
    email_opt_out: false,
    email_bounced_date: null,
    last_email_date: null,
    notes: null,
  };
}

/**
 * A volunteer's emails: `npe01__WorkEmail__c` is professional; `Email`, `npe01__HomeEmail__c`
 * and `npe01__AlternateEmail__c` are personal. The primary email follows
 * `npe01__Preferred_Email__c` (Work / Personal or Home / Alternate); when that names an empty
 * field or is empty, `Email` is primary. The same address in several fields is one row.
 */
export function volunteerEmails(r: SfRecord, issues: IssueList): EmailRow[] {
  const sources: [string, InfoType][] = [
    ['npe01__WorkEmail__c', 'professional'],
    ['Email', 'personal'],
    ['npe01__HomeEmail__c', 'personal'],
    ['npe01__AlternateEmail__c', 'personal'],
  ];
  const byField = new Map<string, string>();
  const rows: EmailRow[] = [];
  for (const [field, type] of sources) {
    const value = email(r[field], field, issues);
    if (value === null) continue;
    byField.set(field, value);
    if (!rows.some((e) => e.email === value)) rows.push({ email: value, type, primary: false });
  }
  const preferred = str(r.npe01__Preferred_Email__c)?.toLowerCase() ?? null;
  const preferredField =
    preferred === 'work' ? 'npe01__WorkEmail__c'
      : preferred === 'personal' || preferred === 'home' ? 'npe01__HomeEmail__c'
        : preferred === 'alternate' ? 'npe01__AlternateEmail__c'
          : 'Email';
  const primary = byField.get(preferredField) ?? byField.get('Email') ?? rows[0]?.email;
  for (const row of rows) row.primary = row.email === primary;
  return rows;
}

/**
 * A volunteer's phones: `npe01__WorkPhone__c` and `Phone` are professional, `HomePhone` and
 * `MobilePhone` personal; the primary follows `npe01__PreferredPhone__c` (Work / Home / Mobile),
 * otherwise `Phone`.
 */
export function volunteerPhones(r: SfRecord, issues: IssueList): PhoneRow[] {
  const sources: [string, InfoType][] = [
    ['npe01__WorkPhone__c', 'professional'],
    ['Phone', 'professional'],
    ['HomePhone', 'personal'],
    ['MobilePhone', 'personal'],
  ];
  const byField = new Map<string, string>();
  const rows: PhoneRow[] = [];
  for (const [field, type] of sources) {
    const value = phone(r[field], field, issues);
    if (value === null) continue;
    byField.set(field, value);
    if (!rows.some((p) => p.number === value)) rows.push({ number: value, type, primary: false });
  }
  const preferred = str(r.npe01__PreferredPhone__c)?.toLowerCase() ?? null;
  const preferredField =
    preferred === 'work' ? 'npe01__WorkPhone__c' : preferred === 'home' ? 'HomePhone' : preferred === 'mobile' ? 'MobilePhone' : 'Phone';
  const primary = byField.get(preferredField) ?? byField.get('Phone') ?? rows[0]?.number;
  for (const row of rows) row.primary = row.number === primary;
  return rows;
}

/** Parses `"street, city, STATE ZIP"` (the NPSP work-address text). */
export function parseAddressText(text: string): Omit<AddressRow, 'type' | 'primary'> {
  const parts = text.split(',').map((p) => p.trim());
  const last = parts.length >= 3 ? (parts.pop() as string) : '';
  const m = /^([A-Za-z]{2})\s+(\d{5}(?:-\d{4})?)$/.exec(last);
  return {
    address_line1: parts[0] ?? null,
    city: parts.length >= 2 ? (parts.slice(1).join(', ') || null) : null,
    state: m ? (m[1] as string).toUpperCase() : last || null,
    zip_code: m ? (m[2] as string) : null,
    country: null,
  };
}

function volunteerAddresses(r: SfRecord): AddressRow[] {
  const rows: AddressRow[] = [];
  const primaryType = str(r.npe01__Primary_Address_Type__c)?.toLowerCase() ?? null;
  const mailing = r.MailingAddress as Record<string, unknown> | null | undefined;
  if (mailing && typeof mailing === 'object' && [mailing.street, mailing.city, mailing.postalCode].some((x) => str(x) !== null)) {
    rows.push({
      address_line1: str(mailing.street),
      city: str(mailing.city),
      state: str(mailing.state),
      zip_code: str(mailing.postalCode),
      country: str(mailing.country),
      type: 'personal',
      primary: false,
    });
  }
  const work = str(r.npe01__Work_Address__c);
  if (work !== null) rows.push({ ...parseAddressText(work), type: 'professional', primary: false });
  const primary = rows.find((a) => (primaryType === 'work' ? a.type === 'professional' : a.type === 'personal')) ?? rows[0];
  if (primary) primary.primary = true;
  return rows;
}

// ---- writer -------------------------------------------------------------------------------

function contactWriter(db: VmsDatabase, type: ContactType) {
  const sub = SUB_COLUMNS[type];
  const select = db.prepare('SELECT id, type, row_hash FROM contact WHERE salesforce_individual_id = ?');
  const insertSql = `INSERT INTO contact (type, salesforce_individual_id, ${CONTACT_COLUMNS.join(', ')}, row_hash) VALUES (?, ?, ${CONTACT_COLUMNS.map(() => '?').join(', ')}, ?)`;
  const insert = db.prepare(insertSql);
  // While contacts keep turning out new (a first sync), insert first: one statement, no lookup.
  const insertIfNew = db.prepare(`${insertSql} ON CONFLICT (salesforce_individual_id) DO NOTHING`);
  let expectNew = true;
  const update = db.prepare(`UPDATE contact SET type = ?, ${CONTACT_COLUMNS.map((c) => `${c} = ?`).join(', ')}, row_hash = ? WHERE id = ?`);
  const insertSub = db.prepare(`INSERT INTO ${type} (id, ${sub.join(', ')}) VALUES (?, ${sub.map(() => '?').join(', ')})`);
  const updateSub = db.prepare(`UPDATE ${type} SET ${sub.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
  const deleteOther = (['volunteer', 'teacher', 'student'] as const).filter((t) => t !== type).map((t) => db.prepare(`DELETE FROM ${t} WHERE id = ?`));
  const clearEmails = db.prepare('DELETE FROM email WHERE contact_id = ?');
  const clearPhones = db.prepare('DELETE FROM phone WHERE contact_id = ?');
  const clearAddresses = db.prepare('DELETE FROM address WHERE contact_id = ?');
  const insertEmail = db.prepare('INSERT INTO email (contact_id, email, type, "primary") VALUES (?, ?, ?, ?)');
  const insertPhone = db.prepare('INSERT INTO phone (contact_id, number, type, "primary") VALUES (?, ?, ?, ?)');
  const insertAddress = db.prepare(
    'INSERT INTO address (contact_id, address_line1, city, state, zip_code, country, type, "primary") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const clearSkills = db.prepare('DELETE FROM volunteer_skills WHERE volunteer_id = ?');
  const skillId = db.prepare('SELECT id FROM skill WHERE name = ?').pluck();
  const insertSkill = db.prepare('INSERT INTO skill (name) VALUES (?)');
  const linkSkill = db.prepare("INSERT OR IGNORE INTO volunteer_skills (volunteer_id, skill_id, source) VALUES (?, ?, 'salesforce')");
  const upsertConnector = db.prepare(
    `INSERT INTO connector_data (volunteer_id, ${CONNECTOR_COLUMNS.join(', ')}) VALUES (?, ${CONNECTOR_COLUMNS.map(() => '?').join(', ')})
     ON CONFLICT (volunteer_id) DO UPDATE SET ${CONNECTOR_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
  );
  const flags = prepareFlags(db);

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

  /** Writes emails, phones, addresses, skills and connector data; `fresh`: the contact is new (nothing to clear). */
  const writeChildren = (id: number, value: ContactValue, fresh: boolean): void => {
    if (!fresh) clearEmails.run(id);
    for (const e of value.emails) insertEmail.run(id, e.email, e.type, sqlValue(e.primary));
    if (!fresh) clearPhones.run(id);
    for (const p of value.phones) insertPhone.run(id, p.number, p.type, sqlValue(p.primary));
    if (!fresh) clearAddresses.run(id);
    for (const a of value.addresses) insertAddress.run(id, a.address_line1, a.city, a.state, a.zip_code, a.country, a.type, sqlValue(a.primary));
    if (value.skills) {
      if (!fresh) clearSkills.run(id);
      for (const name of value.skills) linkSkill.run(id, skillIdOf(name));
    }
    if (value.connector) upsertConnector.run(id, ...CONNECTOR_COLUMNS.map((c) => sqlValue(value.connector?.[c])));
  };

  const write = (value: ContactValue, hashExtra: unknown): WriteOutcome & { id: number } => {
    const hash = rowHash([value, hashExtra]);
    const contactValues = CONTACT_COLUMNS.map((c) => sqlValue(value.contact[c]));
    const subValues = sub.map((c) => sqlValue(value.sub[c]));
    let inserted: number | null = null;
    if (expectNew) {
      const info = insertIfNew.run(type, value.salesforceId, ...contactValues, hash);
      if (info.changes > 0) inserted = Number(info.lastInsertRowid);
      else expectNew = false;
    }
    const existing = inserted === null ? (select.get(value.salesforceId) as { id: number; type: string; row_hash: string | null } | undefined) : undefined;
    let id: number;
    let status: 'created' | 'updated' | 'unchanged';
    if (!existing) {
      if (inserted === null) expectNew = true;
      id = inserted ?? Number(insert.run(type, value.salesforceId, ...contactValues, hash).lastInsertRowid);
      insertSub.run(id, ...subValues);
      writeChildren(id, value, true);
      status = 'created';
    } else if (existing.row_hash === hash && existing.type === type) {
      return { status: 'unchanged', id: existing.id };
    } else {
      id = existing.id;
      update.run(type, ...contactValues, hash, id);
      if (existing.type !== type) {
        for (const del of deleteOther) del.run(id);
        insertSub.run(id, ...subValues);
      } else {
        updateSub.run(...subValues, id);
      }
      writeChildren(id, value, false);
      status = 'updated';
    }
    if (value.allCapsName) flags.raise('contact', value.salesforceId, 'all_caps_name', 'info', 'Name was ALL CAPS in Salesforce; stored in title case');
    return { status, id };
  };
  return Object.assign(write, { discard: () => skills.clear() });
}

// ---- teachers -----------------------------------------------------------------------------

/** Contacts with `Contact_Type__c = 'Teacher'`. */
export const teachers: EntityDefinition<ContactValue> = {
  name: 'teachers',
  sobject: 'Contact',
  fields: ['AccountId', 'FirstName', 'LastName', 'Email', 'npsp__Primary_Affiliation__c', 'Department', 'Gender__c', 'Phone', 'Last_Email_Message__c', 'Last_Mailchimp_Email_Date__c'],
  where: "Contact_Type__c = 'Teacher'",
  matches: (r) => r.Contact_Type__c === 'Teacher',
  nameOf: contactName,
  map(r) {
    if (str(r.FirstName) === null) return fail(RowErrorCode.MissingRequiredField, 'FirstName', 'Teacher has no FirstName');
    if (str(r.LastName) === null) return fail(RowErrorCode.MissingRequiredField, 'LastName', 'Teacher has no LastName');
    const issues = new IssueList();
    const school = str(r.npsp__Primary_Affiliation__c);
    const mail = email(r.Email, 'Email', issues);
    const tel = phone(r.Phone, 'Phone', issues);
    const value: ContactValue = {
      salesforceId: r.Id,
      type: 'teacher',
      contact: baseContact(r, issues),
      sub: {
        department: str(r.Department),
        school_id: school,
        salesforce_school_id: school,
        last_email_message: date(r.Last_Email_Message__c, 'Last_Email_Message__c', issues),
        last_mailchimp_date: date(r.Last_Mailchimp_Email_Date__c, 'Last_Mailchimp_Email_Date__c', issues),
      },
      emails: mail ? [{ email: mail, type: 'professional', primary: true }] : [],
      phones: tel ? [{ number: tel, type: 'professional', primary: true }] : [],
      addresses: [],
    };
    return { ok: true, value, warnings: issues.items };
  },
  prepare(db) {
    const write = contactWriter(db, 'teacher');
    return Object.assign((value: ContactValue) => write(value, null), { discard: write.discard });
  },
};

// ---- students -----------------------------------------------------------------------------

/** Contacts with `Contact_Type__c = 'Student'`. */
export const students: EntityDefinition<ContactValue> = {
  name: 'students',
  sobject: 'Contact',
  fields: ['AccountId', 'FirstName', 'LastName', 'MiddleName', 'Email', 'Phone', 'Local_Student_ID__c', 'Birthdate', 'Gender__c', 'Racial_Ethnic_Background__c', 'npsp__Primary_Affiliation__c', 'Class__c', 'Legacy_Grade__c', 'Current_Grade__c'],
  where: "Contact_Type__c = 'Student'",
  matches: (r) => r.Contact_Type__c === 'Student',
  nameOf: contactName,
  map(r) {
    if (str(r.FirstName) === null) return fail(RowErrorCode.MissingRequiredField, 'FirstName', 'Student has no FirstName');
    if (str(r.LastName) === null) return fail(RowErrorCode.MissingRequiredField, 'LastName', 'Student has no LastName');
    const issues = new IssueList();
    let grade = int(r.Current_Grade__c);
    if (grade !== null && (grade < 0 || grade > 12)) {
      issues.warn(RowErrorCode.InvalidEnum, 'Current_Grade__c', `Current_Grade__c must be 0..12, got \`${grade}\`; left empty`);
      grade = null;
    }
    const mail = email(r.Email, 'Email', issues);
    const tel = phone(r.Phone, 'Phone', issues);
    const value: ContactValue = {
      salesforceId: r.Id,
      type: 'student',
      contact: baseContact(r, issues),
      sub: {
        current_grade: grade,
        legacy_grade: str(r.Legacy_Grade__c),
        student_id: str(r.Local_Student_ID__c),
        school_id: null,
        class_salesforce_id: null,
        racial_ethnic: str(r.Racial_Ethnic_Background__c),
      },
      emails: mail ? [{ email: mail, type: 'personal', primary: true }] : [],
      phones: tel ? [{ number: tel, type: 'personal', primary: true }] : [],
      addresses: [],
      refs: { school: str(r.npsp__Primary_Affiliation__c), class: str(r.Class__c) },
    };
    return { ok: true, value, warnings: issues.items };
  },
  prepare(db) {
    const write = contactWriter(db, 'student');
    const schoolStmt = db.prepare('SELECT 1 FROM school WHERE id = ?').pluck();
    const classStmt = db.prepare('SELECT 1 FROM class WHERE salesforce_id = ?').pluck();
    const school = cachedLookup((id) => schoolStmt.get(id) as number | undefined);
    const klass = cachedLookup((id) => classStmt.get(id) as number | undefined);
    return Object.assign((value: ContactValue): WriteOutcome => {
      const warnings: RowIssue[] = [];
      const schoolId = value.refs?.school ?? null;
      const classId = value.refs?.class ?? null;
      const sub = { ...value.sub };
      if (schoolId !== null) {
        if (school.get(schoolId) !== undefined) sub.school_id = schoolId;
        else warnings.push({ code: RowErrorCode.FkNotFound, severity: 'warning', field: 'npsp__Primary_Affiliation__c', message: `School with Salesforce ID ${schoolId} not found; student stored without a school` });
      }
      if (classId !== null) {
        if (klass.get(classId) !== undefined) sub.class_salesforce_id = classId;
        else warnings.push({ code: RowErrorCode.FkNotFound, severity: 'warning', field: 'Class__c', message: `Class with Salesforce ID ${classId} not found; student stored without a class` });
      }
      const outcome = write({ ...value, sub }, null);
      return warnings.length > 0 && outcome.status !== 'skipped' && outcome.status !== 'queued' ? { ...outcome, warnings } : outcome;
    }, { discard: write.discard });
  },
};

// ---- volunteers ---------------------------------------------------------------------------

const VOLUNTEER_FIELDS = [
  'AccountId', 'FirstName', 'LastName', 'MiddleName', 'Email', 'npe01__AlternateEmail__c', 'npe01__HomeEmail__c',
  'npe01__WorkEmail__c', 'npe01__Preferred_Email__c', 'HomePhone', 'MobilePhone', 'npe01__WorkPhone__c', 'Phone',
  'npe01__PreferredPhone__c', 'npsp__Primary_Affiliation__c', 'Title', 'Department', 'Gender__c', 'Birthdate',
  'Last_Mailchimp_Email_Date__c', 'Last_Volunteer_Date__c', 'Last_Email_Message__c', 'Volunteer_Recruitment_Notes__c',
  'Volunteer_Skills__c', 'Volunteer_Skills_Text__c', 'Volunteer_Interests__c', 'Number_of_Attended_Volunteer_Sessions__c',
  'Racial_Ethnic_Background__c', 'Last_Activity_Date__c', 'First_Volunteer_Date__c', 'Last_Non_Internal_Email_Activity__c',
  'Description', 'Highest_Level_of_Educational__c', 'Age_Group__c', 'DoNotCall', 'npsp__Do_Not_Contact__c',
  'HasOptedOutOfEmail', 'EmailBouncedDate', 'MailingAddress', 'npe01__Home_Address__c', 'npe01__Work_Address__c',
  'npe01__Other_Address__c', 'npe01__Primary_Address_Type__c', 'npe01__Secondary_Address_Type__c',
  'Connector_Active_Subscription__c', 'Connector_Active_Subscription_Name__c', 'Connector_Affiliations__c',
  'Connector_Industry__c', 'Connector_Joining_Date__c', 'Connector_Last_Login_Date_Time__c',
  'Connector_Last_Update_Date__c', 'Connector_Profile_Link__c', 'Connector_Role__c', 'Connector_SignUp_Role__c',
  'Connector_User_ID__c',
];

/** Contacts with `Contact_Type__c = 'Volunteer'` or no contact type. */
export const volunteers: EntityDefinition<ContactValue> = {
  name: 'volunteers',
  sobject: 'Contact',
  fields: VOLUNTEER_FIELDS,
  where: "(Contact_Type__c = 'Volunteer' OR Contact_Type__c = null)",
  matches: (r) => r.Contact_Type__c === 'Volunteer' || r.Contact_Type__c === null || r.Contact_Type__c === undefined || r.Contact_Type__c === '',
  nameOf: contactName,
  map(r) {
    // Salesforce requires LastName only; a volunteer without a first name is kept (first_name '').
    if (str(r.LastName) === null) return fail(RowErrorCode.MissingRequiredField, 'LastName', 'Volunteer has no LastName');
    const issues = new IssueList();
    const contact = baseContact(r, issues);
    let allCaps = false;
    for (const key of ['first_name', 'middle_name', 'last_name'] as const) {
      const v = contact[key];
      if (typeof v === 'string' && isAllCaps(v)) {
        contact[key] = smartTitleCase(v);
        allCaps = true;
      }
    }
    const race = mapRaceEthnicity(str(r.Racial_Ethnic_Background__c));
    if (race.unknown) issues.warn(RowErrorCode.InvalidEnum, 'Racial_Ethnic_Background__c', `Unknown Racial_Ethnic_Background__c value \`${String(r.Racial_Ethnic_Background__c)}\`; stored as unknown`);
    const education = mapEducation(str(r.Highest_Level_of_Educational__c));
    if (education.unknown) issues.warn(RowErrorCode.InvalidEnum, 'Highest_Level_of_Educational__c', `Unknown Highest_Level_of_Educational__c value \`${String(r.Highest_Level_of_Educational__c)}\`; stored as UNKNOWN`);
    Object.assign(contact, {
      description: str(r.Description),
      age_group: str(r.Age_Group__c),
      education_level: education.value,
      race_ethnicity: race.value,
      do_not_call: bool(r.DoNotCall),
      do_not_contact: bool(r.npsp__Do_Not_Contact__c),
      email_opt_out: bool(r.HasOptedOutOfEmail),
      email_bounced_date: dateTime(r.EmailBouncedDate, 'EmailBouncedDate', issues),
      last_email_date: date(r.Last_Email_Message__c, 'Last_Email_Message__c', issues),
      notes: str(r.Volunteer_Recruitment_Notes__c),
    });
    const value: ContactValue = {
      salesforceId: r.Id,
      type: 'volunteer',
      contact,
      sub: {
        organization_name: str(r.npsp__Primary_Affiliation__c),
        title: str(r.Title),
        department: str(r.Department),
        education: education.value,
        first_volunteer_date: date(r.First_Volunteer_Date__c, 'First_Volunteer_Date__c', issues),
        last_volunteer_date: date(r.Last_Volunteer_Date__c, 'Last_Volunteer_Date__c', issues),
        last_non_internal_email_date: date(r.Last_Non_Internal_Email_Activity__c, 'Last_Non_Internal_Email_Activity__c', issues),
        last_activity_date: date(r.Last_Activity_Date__c, 'Last_Activity_Date__c', issues),
        times_volunteered: count(r.Number_of_Attended_Volunteer_Sessions__c) ?? 0,
        last_mailchimp_activity_date: date(r.Last_Mailchimp_Email_Date__c, 'Last_Mailchimp_Email_Date__c', issues),
        interests: str(r.Volunteer_Interests__c),
      },
      emails: volunteerEmails(r, issues),
      phones: volunteerPhones(r, issues),
      addresses: volunteerAddresses(r),
      skills: parseVolunteerSkills(str(r.Volunteer_Skills_Text__c), str(r.Volunteer_Skills__c)),
      connector: {
        active_subscription: str(r.Connector_Active_Subscription__c) ?? 'NONE',
        active_subscription_name: str(r.Connector_Active_Subscription_Name__c),
        role: str(r.Connector_Role__c),
        signup_role: str(r.Connector_SignUp_Role__c),
        profile_link: str(r.Connector_Profile_Link__c),
        affiliations: str(r.Connector_Affiliations__c),
        industry: str(r.Connector_Industry__c),
        user_auth_id: str(r.Connector_User_ID__c),
        joining_date: date(r.Connector_Joining_Date__c, 'Connector_Joining_Date__c', issues),
        last_login_datetime: dateTime(r.Connector_Last_Login_Date_Time__c, 'Connector_Last_Login_Date_Time__c', issues),
        last_update_date: date(r.Connector_Last_Update_Date__c, 'Connector_Last_Update_Date__c', issues),
      },
      allCapsName: allCaps,
    };
    return { ok: true, value, warnings: issues.items };
  },
  prepare(db) {
    const write = contactWriter(db, 'volunteer');
    return Object.assign((value: ContactValue) => write(value, null), { discard: write.discard });
  },
};
