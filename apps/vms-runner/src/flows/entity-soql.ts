/**
 * The SOQL a sync task sends: the entity's query, with the fields of its own filter added to the
 * select list. The importer re-checks each record with the entity's `matches` (so a whole
 * SObject can be fed to it), and `matches` reads those fields: without them in the select list a
 * record the filter chose would be dropped as "not this entity".
 */
import type { EntityDefinition } from '../sync/entity';
import { buildEntitySoql, type Cursor } from '../sync/soql';

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'NULL', 'TRUE', 'FALSE', 'LIKE', 'INCLUDES', 'EXCLUDES']);

/** Field names a SOQL condition compares (`Type`, `Contact_Type__c`, `Account.Name`). */
export function conditionFields(where: string | null): string[] {
  if (!where) return [];
  const withoutLiterals = where.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  const out = new Set<string>();
  for (const m of withoutLiterals.matchAll(/([A-Za-z_][A-Za-z0-9_.]*)\s*(?:=|!=|<>|<=|>=|<|>|\bNOT\s+IN\b|\bIN\b|\bLIKE\b|\bINCLUDES\b|\bEXCLUDES\b)/gi)) {
    const name = m[1] as string;
    if (!KEYWORDS.has(name.toUpperCase())) out.add(name);
  }
  return [...out];
}

/** The entity's SOQL after `after`, selecting its filter's fields too. */
export function entitySoql(def: EntityDefinition<unknown>, after: Cursor | null): string {
  const extra = conditionFields(def.where).filter((f) => !def.fields.includes(f));
  return buildEntitySoql(extra.length === 0 ? def : { ...def, fields: [...def.fields, ...extra] }, after);
}
