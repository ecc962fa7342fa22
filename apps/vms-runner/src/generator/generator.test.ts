import { describe, expect, it } from 'vitest';
import { ENTITY_NAMES } from '../sync/dag';
import { createDataset, SOBJECT_NAMES } from './dataset';
import { isSalesforceId18, makeId } from './ids';
import { totalRecords, volumesFor } from './volumes';

describe('volumes', () => {
  it('scale 1 is about 25k records, prod about 700k with about 354k affiliations, numbers multiply', () => {
    const one = totalRecords(volumesFor(1));
    expect(one).toBeGreaterThan(23_000);
    expect(one).toBeLessThan(28_000);
    const prod = volumesFor('prod');
    expect(totalRecords(prod)).toBeGreaterThan(680_000);
    expect(totalRecords(prod)).toBeLessThan(720_000);
    expect(prod.affiliations).toBe(354_000);
    expect(totalRecords(volumesFor(10))).toBeGreaterThan(one * 9.9);
    expect(() => volumesFor(0)).toThrow("Expected `scale` to be a number > 0 or 'prod', got `0` (number)");
  });
});

describe('createDataset', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = [...createDataset({ seed: 9, scale: 0.05 }).records('volunteers')];
    const b = [...createDataset({ seed: 9, scale: 0.05 }).records('volunteers')];
    const c = [...createDataset({ seed: 10, scale: 0.05 }).records('volunteers')];
    expect(a).toEqual(b);
    expect(a.map((r) => r.LastName)).not.toEqual(c.map((r) => r.LastName));
  });

  it('generates lazily: the first prod affiliation comes without building the others', () => {
    const data = createDataset({ scale: 'prod' });
    const it = data.records('affiliations');
    const first = it.next().value;
    expect(first?.Id).toBe(makeId('a0A', 'A', 0));
    expect(data.count('affiliations')).toBe(354_000);
  });

  it('every record has a valid unique 18-character Id, real API field names and stamps; timestamps are shared', () => {
    const data = createDataset({ seed: 2, scale: 0.1 });
    const ids = new Set<string>();
    const stamps = new Map<string, number>();
    for (const object of SOBJECT_NAMES) {
      for (const r of data.sobjectRecords(object)) {
        expect(isSalesforceId18(r.Id), r.Id).toBe(true);
        expect(ids.has(r.Id)).toBe(false);
        ids.add(r.Id);
        expect(r.attributes.type).toBe(object);
        expect(String(r.SystemModstamp)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/);
        stamps.set(String(r.SystemModstamp), (stamps.get(String(r.SystemModstamp)) ?? 0) + 1);
      }
    }
    expect([...stamps.values()].some((n) => n > 1)).toBe(true);
    const volunteer = data.records('volunteers').next().value;
    for (const f of ['npe01__Preferred_Email__c', 'npe01__WorkEmail__c', 'npsp__Primary_Affiliation__c', 'Volunteer_Skills_Text__c', 'MailingAddress']) {
      expect(volunteer).toHaveProperty(f);
    }
  });

  it('injects about the requested share of bad rows, each with its expected code', () => {
    const data = createDataset({ seed: 4, scale: 0.5, badRowRate: 0.02 });
    const issues = [...data.expectedIssues()];
    const injected = issues.filter((i) => i.kind !== 'contact_not_imported');
    const bySeverity = new Set(issues.map((i) => i.severity));
    expect(bySeverity).toEqual(new Set(['error', 'warning']));
    const eligible = ENTITY_NAMES.filter((e) => [...createDataset({ seed: 4, scale: 0.5, badRowRate: 1 }).expectedIssues(e)].length > 0)
      .reduce((n, e) => n + data.count(e), 0);
    expect(injected.length / eligible).toBeGreaterThan(0.014);
    expect(injected.length / eligible).toBeLessThan(0.026);
    expect(createDataset({ seed: 4, scale: 0.5, badRowRate: 0 }).expectedIssues().next().done).toBe(true);
  });

  it('edits change only the chosen share of good records, after asOf', () => {
    const base = createDataset({ seed: 6, scale: 0.1 });
    const edited = createDataset({ seed: 6, scale: 0.1, edits: { fraction: 0.05 } });
    const ids = edited.editedIds('volunteers');
    expect(ids.size).toBeGreaterThan(5);
    const before = new Map([...base.records('volunteers')].map((r) => [r.Id, r]));
    for (const r of edited.records('volunteers')) {
      if (ids.has(r.Id)) {
        expect(r.Title).toBe('Edited Title');
        expect(Date.parse(String(r.SystemModstamp).replace('+0000', 'Z'))).toBeGreaterThan(base.asOf.getTime());
      } else {
        expect(r).toEqual(before.get(r.Id));
      }
    }
  });

  it('rejects bad options with the value', () => {
    expect(() => createDataset({ badRowRate: 2 })).toThrow('Expected `badRowRate` to be a number in [0, 1], got `2` (number)');
    expect(() => createDataset({ seed: 1.5 })).toThrow('Expected `seed` to be an integer, got `1.5` (number)');
  });
});
