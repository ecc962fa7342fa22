/**
 * Adapts a CumulusCI NPSP dataset (as `loadCumulusDataset` returns it) to the real org's shape
 * the sync expects: NPSP marks household accounts by record type (`HH_Account`), the VMS org by
 * `Type = 'Household'`, so accounts whose record type is a household get that `Type` (an account
 * with its own `Type` keeps it). Everything else passes through unchanged.
 */

type Rec = Readonly<Record<string, unknown>>;

/** Returns the records with `Account.Type` set from household record types. */
export function adaptNpspRecords(records: Readonly<Record<string, readonly Rec[]>>): Record<string, Rec[]> {
  const householdTypes = new Set(
    (records.RecordType ?? [])
      .filter((rt) => rt.SobjectType === 'Account' && /^(HH_Account|Household)$/i.test(String(rt.DeveloperName)))
      .map((rt) => String(rt.Id)),
  );
  const out: Record<string, Rec[]> = {};
  for (const [object, list] of Object.entries(records)) {
    out[object] =
      object === 'Account'
        ? list.map((a) => (a.Type == null && householdTypes.has(String(a.RecordTypeId)) ? { ...a, Type: 'Household' } : { ...a }))
        : list.map((r) => ({ ...r }));
  }
  return out;
}

/** A Salesforce field type, as the test server declares fields. */
export type SfFieldType = 'id' | 'reference' | 'string' | 'boolean' | 'int' | 'double' | 'date' | 'datetime' | 'address';

const BOOLEAN_FIELDS = new Set(['DoNotCall', 'HasOptedOutOfEmail', 'npsp__Do_Not_Contact__c', 'npe5__Primary__c']);
const DATETIME_FIELDS = new Set(['EmailBouncedDate', 'Connector_Last_Login_Date_Time__c', 'Start_Date_and_Time__c', 'End_Date_and_Time__c', 'CreatedDate']);

/** The type of a field the sync queries, from its name (what an org that has it would describe). */
export function fieldTypeOf(field: string): SfFieldType {
  if (field === 'MailingAddress') return 'address';
  if (BOOLEAN_FIELDS.has(field)) return 'boolean';
  if (DATETIME_FIELDS.has(field)) return 'datetime';
  if (/(Date|Birthdate|ActivityDate|Date__c)$/.test(field) || /_Date__c$/.test(field)) return 'date';
  if (/(Count__c|Slots__c|Jobs__c|Number__c|Hours__c|Grade__c|Sessions__c)$/.test(field)) return 'double';
  if (field === 'Id') return 'id';
  return 'string';
}

/**
 * Field declarations for an org that lacks the VMS's custom fields (the NPSP dev org): every field
 * the given entity definitions query, by SObject, so the org answers the sync's SOQL with nulls.
 */
export function fieldDeclarations(definitions: readonly { sobject: string; fields: readonly string[] }[]): Record<string, Record<string, SfFieldType>> {
  const out: Record<string, Record<string, SfFieldType>> = {};
  for (const def of definitions) {
    const object = (out[def.sobject] ??= {});
    for (const f of def.fields) object[f] = fieldTypeOf(f);
  }
  return out;
}
