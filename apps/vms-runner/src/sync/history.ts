/**
 * History (`Task` → `history`, VMS-DOMAIN.md §1.10): activities linked to any contact, upserted by
 * Salesforce Id. A missing or bad `ActivityDate` falls back to the record's CreatedDate (not
 * "now", which would change on every sync).
 */
import { RowErrorCode } from './row-errors';
import { cachedLookup, rowHash, upserter, type EntityDefinition, type WriteOutcome } from './entity';
import { IssueList, date, str, stripHtml } from './values';

interface HistoryValue {
  salesforceId: string;
  who: string;
  what: string | null;
  row: Record<string, unknown>;
}

const COLUMNS = ['contact_id', 'event_id', 'summary', 'description', 'activity_type', 'activity_status', 'activity_date', 'history_type', 'email_message_id'] as const;

/** `Type` → history_type (and the activity type the VMS shows). */
export function historyType(type: string | null): { historyType: string; activityType: string | null } {
  const k = type?.trim().toLowerCase() ?? '';
  if (k === 'email') return { historyType: 'activity', activityType: 'Email' };
  if (k === 'call') return { historyType: 'activity', activityType: type };
  if (k === 'status_update') return { historyType: 'status_change', activityType: type };
  return { historyType: 'note', activityType: type };
}

export const history: EntityDefinition<HistoryValue> = {
  name: 'history',
  sobject: 'Task',
  fields: ['Subject', 'Description', 'Type', 'Status', 'ActivityDate', 'WhoId', 'WhatId', 'CreatedDate'],
  where: 'WhoId != null',
  matches: (r) => str(r.WhoId) !== null,
  nameOf: (r) => str(r.Subject),
  map(r) {
    const who = str(r.WhoId);
    if (who === null) return { ok: false, issue: { code: RowErrorCode.MissingRequiredField, severity: 'error', field: 'WhoId', message: 'Task has no WhoId' } };
    const issues = new IssueList();
    const fallback = date(r.CreatedDate, 'CreatedDate', new IssueList()) ?? date(r.LastModifiedDate, 'LastModifiedDate', new IssueList());
    const activityDate = date(r.ActivityDate, 'ActivityDate', issues) ?? fallback;
    if (activityDate === null) return { ok: false, issue: { code: RowErrorCode.MissingRequiredField, severity: 'error', field: 'ActivityDate', message: 'Task has no usable ActivityDate or CreatedDate' } };
    const type = str(r.Type);
    const kind = historyType(type);
    const description = str(r.Description);
    const row = {
      summary: str(r.Subject),
      description: description === null ? null : stripHtml(description),
      activity_type: kind.activityType,
      activity_status: str(r.Status),
      activity_date: activityDate,
      history_type: kind.historyType,
      email_message_id: kind.activityType === 'Email' ? r.Id : null,
    };
    return { ok: true, value: { salesforceId: r.Id, who, what: str(r.WhatId), row }, warnings: issues.items };
  },
  prepare(db) {
    const up = upserter(db, 'history', 'salesforce_id', COLUMNS);
    const contactStmt = db.prepare('SELECT id FROM contact WHERE salesforce_individual_id = ?').pluck();
    const eventStmt = db.prepare('SELECT id FROM event WHERE salesforce_id = ?').pluck();
    const contact = cachedLookup((id) => contactStmt.get(id) as number | undefined);
    const event = cachedLookup((id) => eventStmt.get(id) as number | undefined);
    return (value): WriteOutcome => {
      const contactId = contact.get(value.who);
      if (contactId === undefined) return { status: 'queued', missing: `contact:${value.who}`, message: `Contact with Salesforce ID ${value.who} not found` };
      const eventId = value.what === null ? null : (event.get(value.what) ?? null);
      const row = { ...value.row, contact_id: contactId, event_id: eventId };
      return { status: up.upsert(value.salesforceId, row, rowHash(row)).status };
    };
  },
};
