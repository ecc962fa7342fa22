/**
 * Account-based entities (organizations, districts, schools) and classes (VMS-DOMAIN.md §1.1,
 * §1.3, §1.4).
 */
import type { VmsDatabase } from '../db/database';
import { RowErrorCode } from './row-errors';
import { cachedLookup, rowHash, upserter, type EntityDefinition, type SfRecord } from './entity';
import { prepareFlags } from './flags';
import { IssueList, date, int, str } from './values';

const NON_ORG_TYPES = new Set(['Household', 'School District', 'School']);
const fail = (code: RowErrorCode, field: string, message: string) =>
  ({ ok: false, issue: { code, severity: 'error', field, message } }) as const;

// ---- organizations ------------------------------------------------------------------------

interface OrganizationValue {
  salesforceId: string;
  row: Record<string, unknown>;
  typeWasNull: boolean;
}

const ORG_COLUMNS = ['name', 'type', 'description', 'billing_street', 'billing_city', 'billing_state', 'billing_postal_code', 'billing_country', 'last_activity_date'] as const;

/** Accounts that are not households, districts or schools. */
export const organizations: EntityDefinition<OrganizationValue> = {
  name: 'organizations',
  sobject: 'Account',
  fields: ['Name', 'Type', 'Description', 'ParentId', 'BillingStreet', 'BillingCity', 'BillingState', 'BillingPostalCode', 'BillingCountry', 'LastActivityDate'],
  where: "Type NOT IN ('Household', 'School District', 'School')",
  matches: (r) => !NON_ORG_TYPES.has(String(r.Type)),
  nameOf: (r) => str(r.Name),
  map(r) {
    const issues = new IssueList();
    const type = str(r.Type);
    const row = {
      name: str(r.Name) ?? '',
      type: type ?? 'Other',
      description: str(r.Description),
      billing_street: str(r.BillingStreet),
      billing_city: str(r.BillingCity),
      billing_state: str(r.BillingState),
      billing_postal_code: str(r.BillingPostalCode),
      billing_country: str(r.BillingCountry),
      last_activity_date: date(r.LastActivityDate, 'LastActivityDate', issues),
    };
    return { ok: true, value: { salesforceId: r.Id, row, typeWasNull: type === null }, warnings: issues.items };
  },
  prepare(db) {
    const up = upserter(db, 'organization', 'salesforce_id', ORG_COLUMNS, { touchUpdatedAt: true });
    const flags = prepareFlags(db);
    return (value) => {
      const result = up.upsert(value.salesforceId, value.row, rowHash(value.row));
      if (result.status !== 'unchanged') {
        if (value.typeWasNull) flags.raise('organization', value.salesforceId, 'null_org_type', 'info', "Type is empty in Salesforce; stored as 'Other'");
        else flags.resolve('organization', value.salesforceId, 'null_org_type');
      }
      return { status: result.status };
    };
  },
};

// ---- districts ----------------------------------------------------------------------------

interface DistrictValue {
  salesforceId: string;
  row: { name: string; district_code: string | null };
}

/** Accounts of type School District. */
export const districts: EntityDefinition<DistrictValue> = {
  name: 'districts',
  sobject: 'Account',
  fields: ['Name', 'School_Code_External_ID__c'],
  where: "Type = 'School District'",
  matches: (r) => r.Type === 'School District',
  nameOf: (r) => str(r.Name),
  map(r) {
    const name = str(r.Name);
    if (name === null) return fail(RowErrorCode.MissingRequiredField, 'Name', 'District has no Name');
    return { ok: true, value: { salesforceId: r.Id, row: { name, district_code: str(r.School_Code_External_ID__c) } }, warnings: [] };
  },
  prepare(db) {
    const up = upserter(db, 'district', 'salesforce_id', ['name', 'district_code']);
    return (value) => ({ status: up.upsert(value.salesforceId, value.row, rowHash(value.row)).status });
  },
};

// ---- schools ------------------------------------------------------------------------------

interface SchoolValue {
  id: string;
  name: string;
  parentId: string | null;
  normalizedName: string | null;
  schoolCode: string | null;
}

/** Accounts of type School; `school.id` is the Salesforce Id. */
export const schools: EntityDefinition<SchoolValue> = {
  name: 'schools',
  sobject: 'Account',
  fields: ['Name', 'ParentId', 'Connector_Account_Name__c', 'School_Code_External_ID__c'],
  where: "Type = 'School'",
  matches: (r) => r.Type === 'School',
  nameOf: (r) => str(r.Name),
  map(r) {
    const name = str(r.Name);
    if (name === null) return fail(RowErrorCode.MissingRequiredField, 'Name', 'School has no Name');
    return {
      ok: true,
      value: { id: r.Id, name, parentId: str(r.ParentId), normalizedName: str(r.Connector_Account_Name__c), schoolCode: str(r.School_Code_External_ID__c) },
      warnings: [],
    };
  },
  prepare(db) {
    const up = upserter(db, 'school', 'id', ['name', 'district_id', 'salesforce_district_id', 'normalized_name', 'school_code']);
    const district = db.prepare('SELECT id FROM district WHERE salesforce_id = ?').pluck();
    const localByName = db.prepare("SELECT id FROM school WHERE id LIKE 'VRT%' AND name = ? COLLATE NOCASE LIMIT 1").pluck();
    const renameSchool = db.prepare('UPDATE school SET id = ? WHERE id = ?');
    const renameTeacherSchool = db.prepare('UPDATE teacher SET school_id = ? WHERE school_id = ?');
    return (value) => {
      let warnings;
      let districtId: number | null = null;
      if (value.parentId !== null) {
        districtId = (district.get(value.parentId) as number | undefined) ?? null;
        if (districtId === null) {
          warnings = [{ code: RowErrorCode.FkNotFound, severity: 'warning' as const, field: 'ParentId', message: `District with Salesforce ID ${value.parentId} not found; school stored without a district` }];
        }
      }
      let existing = up.find(value.id);
      if (!existing) {
        // TD-021: a school the virtual-session import created by name takes its Salesforce identity;
        // foreign keys follow through ON UPDATE CASCADE, teacher.school_id (no FK) by hand.
        const local = localByName.get(value.name) as string | undefined;
        if (local !== undefined) {
          renameSchool.run(value.id, local);
          renameTeacherSchool.run(value.id, local);
          existing = up.find(value.id);
        }
      }
      const row = { name: value.name, district_id: districtId, salesforce_district_id: value.parentId, normalized_name: value.normalizedName, school_code: value.schoolCode };
      const status = up.upsert(value.id, row, rowHash(row), existing ?? null).status;
      return warnings ? { status, warnings } : { status };
    };
  },
};

// ---- classes ------------------------------------------------------------------------------

interface ClassValue {
  salesforceId: string;
  name: string;
  schoolId: string;
  classYear: number | null;
}

/** `Class__c`; the school is a required parent. */
export const classes: EntityDefinition<ClassValue> = {
  name: 'classes',
  sobject: 'Class__c',
  fields: ['Name', 'School__c', 'Class_Year_Number__c'],
  where: null,
  matches: () => true,
  nameOf: (r) => str(r.Name),
  map(r) {
    const name = str(r.Name);
    if (name === null) return fail(RowErrorCode.MissingRequiredField, 'Name', 'Class has no Name');
    const schoolId = str(r.School__c);
    if (schoolId === null) return fail(RowErrorCode.MissingRequiredField, 'School__c', 'Class has no School__c');
    const issues = new IssueList();
    const classYear = int(r.Class_Year_Number__c);
    if (classYear === null && str(r.Class_Year_Number__c) !== null) {
      issues.warn(RowErrorCode.InvalidEnum, 'Class_Year_Number__c', `Class_Year_Number__c is not a number: \`${String(r.Class_Year_Number__c)}\``);
    }
    return { ok: true, value: { salesforceId: r.Id, name, schoolId, classYear }, warnings: issues.items };
  },
  prepare(db: VmsDatabase) {
    const up = upserter(db, 'class', 'salesforce_id', ['name', 'school_salesforce_id', 'class_year'], { touchUpdatedAt: true });
    const schoolStmt = db.prepare('SELECT 1 FROM school WHERE id = ?').pluck();
    const school = cachedLookup((id) => schoolStmt.get(id) as number | undefined);
    return (value: ClassValue, _record: SfRecord) => {
      if (school.get(value.schoolId) === undefined) {
        return { status: 'queued', missing: `school:${value.schoolId}`, message: `School with Salesforce ID ${value.schoolId} not found` };
      }
      const row = { name: value.name, school_salesforce_id: value.schoolId, class_year: value.classYear };
      return { status: up.upsert(value.salesforceId, row, rowHash(row)).status };
    };
  },
};
