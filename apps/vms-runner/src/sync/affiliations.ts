/**
 * Affiliations (`npe5__Affiliation__c` → `volunteer_organization`, VMS-DOMAIN.md §1.2): one row
 * per (contact, organization) pair.
 *
 * - The organization is an Organization, else a School, else a District; a school or district
 *   gets an `organization` row of type School / District on first use (as the VMS does).
 * - Student contacts are skipped (not an error), as in the VMS.
 * - Several Salesforce affiliations for one pair: the one with the smallest Id owns the row,
 *   whatever order they arrive in; every other one is a DUPLICATE_RECORD warning. So repeated
 *   syncs never flip the row between two records.
 */
import { RowErrorCode } from './row-errors';
import { cachedLookup, rowHash, sqlValue, type EntityDefinition, type WriteOutcome } from './entity';
import { mapAffiliationStatus } from './picklists';
import { IssueList, bool, date, str } from './values';

interface AffiliationValue {
  salesforceId: string;
  contact: string;
  organization: string;
  row: { role: string | null; is_primary: boolean; status: string; start_date: string | null; end_date: string | null };
}

const COLUMNS = ['salesforce_id', 'salesforce_volunteer_id', 'salesforce_org_id', 'role', 'start_date', 'end_date', 'is_primary', 'status'] as const;

export const affiliations: EntityDefinition<AffiliationValue> = {
  name: 'affiliations',
  sobject: 'npe5__Affiliation__c',
  fields: ['Name', 'npe5__Organization__c', 'npe5__Contact__c', 'npe5__Role__c', 'npe5__Primary__c', 'npe5__Status__c', 'npe5__StartDate__c', 'npe5__EndDate__c'],
  where: null,
  matches: () => true,
  nameOf: (r) => str(r.Name),
  map(r) {
    const contact = str(r.npe5__Contact__c);
    if (contact === null) return { ok: false, issue: { code: RowErrorCode.MissingRequiredField, severity: 'error', field: 'npe5__Contact__c', message: 'Affiliation has no npe5__Contact__c' } };
    const organization = str(r.npe5__Organization__c);
    if (organization === null) return { ok: false, issue: { code: RowErrorCode.MissingRequiredField, severity: 'error', field: 'npe5__Organization__c', message: 'Affiliation has no npe5__Organization__c' } };
    const issues = new IssueList();
    const row = {
      role: str(r.npe5__Role__c),
      is_primary: bool(r.npe5__Primary__c),
      status: mapAffiliationStatus(str(r.npe5__Status__c)),
      start_date: date(r.npe5__StartDate__c, 'npe5__StartDate__c', issues),
      end_date: date(r.npe5__EndDate__c, 'npe5__EndDate__c', issues),
    };
    return { ok: true, value: { salesforceId: r.Id, contact, organization, row }, warnings: issues.items };
  },
  prepare(db) {
    const contactStmt = db.prepare('SELECT id, type FROM contact WHERE salesforce_individual_id = ?');
    const contact = cachedLookup((id) => contactStmt.get(id) as { id: number; type: string } | undefined, 50_000);
    const organization = db.prepare('SELECT id FROM organization WHERE salesforce_id = ?').pluck();
    const school = db.prepare('SELECT name FROM school WHERE id = ?').pluck();
    const district = db.prepare('SELECT name FROM district WHERE salesforce_id = ?').pluck();
    const insertOrganization = db.prepare('INSERT INTO organization (salesforce_id, name, type) VALUES (?, ?, ?)');
    const existing = db.prepare('SELECT salesforce_id, row_hash FROM volunteer_organization WHERE volunteer_id = ? AND organization_id = ?');
    // Insert first (one statement) while pairs keep turning out new, as in a first sync.
    const insertIfNew = db.prepare(
      `INSERT INTO volunteer_organization (volunteer_id, organization_id, ${COLUMNS.join(', ')}, date_source, row_hash) VALUES (?, ?, ${COLUMNS.map(() => '?').join(', ')}, 'salesforce', ?)
       ON CONFLICT (volunteer_id, organization_id) DO NOTHING`,
    );
    let expectNew = true;
    const update = db.prepare(
      `UPDATE volunteer_organization SET ${COLUMNS.map((c) => `${c} = ?`).join(', ')}, row_hash = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE volunteer_id = ? AND organization_id = ?`,
    );

    // Organization ids by Salesforce Id, bounded (cleared when full), dropped with any rolled-back write.
    const organizations = new Map<string, number>();
    const resolveOrganization = (sfId: string): number | undefined => {
      let id = organizations.get(sfId) ?? (organization.get(sfId) as number | undefined);
      if (id === undefined) {
        const schoolName = school.get(sfId) as string | undefined;
        const districtName = schoolName === undefined ? (district.get(sfId) as string | undefined) : undefined;
        if (schoolName !== undefined) id = Number(insertOrganization.run(sfId, schoolName, 'School').lastInsertRowid);
        else if (districtName !== undefined) id = Number(insertOrganization.run(sfId, districtName, 'District').lastInsertRowid);
        else return undefined;
      }
      if (organizations.size >= 20_000) organizations.clear();
      organizations.set(sfId, id);
      return id;
    };

    const write = (value: AffiliationValue): WriteOutcome => {
      const person = contact.get(value.contact);
      if (!person) {
        return { status: 'queued', missing: `contact:${value.contact}`, message: `Contact (Volunteer/Teacher) with Salesforce ID ${value.contact} not found` };
      }
      if (person.type === 'student') return { status: 'skipped', reason: 'student contact' };
      const orgId = resolveOrganization(value.organization);
      if (orgId === undefined) {
        return { status: 'queued', missing: `organization:${value.organization}`, message: `Organization/School/District with Salesforce ID ${value.organization} not found` };
      }
      const values = [value.salesforceId, value.contact, value.organization, value.row.role, value.row.start_date, value.row.end_date, sqlValue(value.row.is_primary), value.row.status];
      const hash = rowHash([value.salesforceId, value.row]);
      if (expectNew) {
        if (insertIfNew.run(person.id, orgId, ...values, hash).changes > 0) return { status: 'created' };
        expectNew = false;
      }
      const current = existing.get(person.id, orgId) as { salesforce_id: string | null; row_hash: string | null } | undefined;
      if (!current) {
        expectNew = true;
        insertIfNew.run(person.id, orgId, ...values, hash);
        return { status: 'created' };
      }
      if (current.salesforce_id !== null && current.salesforce_id !== value.salesforceId) {
        const message = (other: string) => `Affiliation ${other} links the same contact and organization; the row keeps the lowest Salesforce Id`;
        if (value.salesforceId > current.salesforce_id) {
          return { status: 'skipped', reason: 'duplicate pair', issue: { code: RowErrorCode.DuplicateRecord, severity: 'warning', field: 'npe5__Contact__c', message: message(current.salesforce_id) } };
        }
        update.run(...values, hash, person.id, orgId);
        return {
          status: 'updated',
          otherIssues: [{ salesforceId: current.salesforce_id, issue: { code: RowErrorCode.DuplicateRecord, severity: 'warning', field: 'npe5__Contact__c', message: message(value.salesforceId) } }],
        };
      }
      if (current.row_hash === hash) return { status: 'unchanged' };
      update.run(...values, hash, person.id, orgId);
      return { status: 'updated' };
    };
    return Object.assign(write, { discard: () => organizations.clear() });
  },
};
