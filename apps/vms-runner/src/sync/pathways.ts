/**
 * Pathways (`Pathway__c`) and their links to events (`Pathway_Session__c`) and contacts
 * (`Pathway_Participant__c`), VMS-DOMAIN.md §1.11. Link rows keep the Salesforce Id of the link
 * record so they upsert like everything else; a second link record for the same pair fails on the
 * pair's primary key (a DUPLICATE_RECORD row error).
 */
import { RowErrorCode } from './row-errors';
import { cachedLookup, rowHash, upserter, type EntityDefinition, type WriteOutcome } from './entity';
import { str } from './values';

const fail = (field: string, message: string) =>
  ({ ok: false, issue: { code: RowErrorCode.MissingRequiredField, severity: 'error', field, message } }) as const;

export const pathways: EntityDefinition<{ salesforceId: string; name: string }> = {
  name: 'pathways',
  sobject: 'Pathway__c',
  fields: ['Name'],
  where: null,
  matches: () => true,
  nameOf: (r) => str(r.Name),
  map(r) {
    const name = str(r.Name);
    if (name === null) return fail('Name', 'Pathway has no Name');
    return { ok: true, value: { salesforceId: r.Id, name }, warnings: [] };
  },
  prepare(db) {
    const up = upserter(db, 'pathway', 'salesforce_id', ['name']);
    return (value) => ({ status: up.upsert(value.salesforceId, { name: value.name }, rowHash(value.name)).status });
  },
};

interface LinkValue {
  salesforceId: string;
  pathway: string;
  other: string;
}

function linkEntity(
  name: 'pathway_sessions' | 'pathway_participants',
  sobject: string,
  otherField: 'Session__c' | 'Contact__c',
  table: 'pathway_events' | 'pathway_contacts',
  otherColumn: 'event_id' | 'contact_id',
  otherLookup: string,
  otherLabel: string,
): EntityDefinition<LinkValue> {
  return {
    name,
    sobject,
    fields: ['Name', 'Pathway__c', otherField],
    where: null,
    matches: () => true,
    nameOf: (r) => str(r.Name),
    map(r) {
      const pathway = str(r.Pathway__c);
      if (pathway === null) return fail('Pathway__c', `${sobject} has no Pathway__c`);
      const other = str(r[otherField]);
      if (other === null) return fail(otherField, `${sobject} has no ${otherField}`);
      return { ok: true, value: { salesforceId: r.Id, pathway, other }, warnings: [] };
    },
    prepare(db) {
      const up = upserter(db, table, 'salesforce_id', ['pathway_id', otherColumn], { idColumn: 'rowid' });
      const pathwayStmt = db.prepare('SELECT id FROM pathway WHERE salesforce_id = ?').pluck();
      const otherStmt = db.prepare(otherLookup).pluck();
      const pathwayId = cachedLookup((id) => pathwayStmt.get(id) as number | undefined);
      const otherId = cachedLookup((id) => otherStmt.get(id) as number | undefined);
      return (value): WriteOutcome => {
        const p = pathwayId.get(value.pathway);
        if (p === undefined) return { status: 'queued', missing: `pathway:${value.pathway}`, message: `Pathway with Salesforce ID ${value.pathway} not found` };
        const o = otherId.get(value.other);
        if (o === undefined) return { status: 'queued', missing: `${otherLabel}:${value.other}`, message: `${otherLabel} with Salesforce ID ${value.other} not found` };
        const row = { pathway_id: p, [otherColumn]: o };
        return { status: up.upsert(value.salesforceId, row, rowHash(row)).status };
      };
    },
  };
}

export const pathwaySessions = linkEntity('pathway_sessions', 'Pathway_Session__c', 'Session__c', 'pathway_events', 'event_id', 'SELECT id FROM event WHERE salesforce_id = ?', 'Event');
export const pathwayParticipants = linkEntity('pathway_participants', 'Pathway_Participant__c', 'Contact__c', 'pathway_contacts', 'contact_id', 'SELECT id FROM contact WHERE salesforce_individual_id = ?', 'Contact');
