import { describe, expect, it } from 'vitest';
import { idChecksum, isSalesforceId, keyPrefixFor, makeSalesforceId, normalizeSalesforceId } from './ids.js';

describe('Salesforce Ids', () => {
  it('computes the checksum suffix of real Ids', () => {
    // Record type Ids from the NPSP sample data (exported from a real org).
    expect(normalizeSalesforceId('0128A000002hay1')).toBe('0128A000002hay1QAA');
    expect(normalizeSalesforceId('0128A000002hay0')).toBe('0128A000002hay0QAA');
    expect(idChecksum('001000000000000')).toBe('AAA');
    expect(idChecksum('ABCDEabcdeABCDE')).toBe('5A5');
  });

  it('accepts 15 and valid 18 character Ids, rejects everything else', () => {
    expect(isSalesforceId('0128A000002hay1QAA')).toBe(true);
    expect(isSalesforceId('0128A000002hay1QAB')).toBe(false); // wrong suffix
    expect(isSalesforceId('0128A000002hay1QA')).toBe(false); // 17 characters
    expect(isSalesforceId("0128A000002hay1' OR")).toBe(false);
    expect(isSalesforceId(12345)).toBe(false);
  });

  it('makes valid, deterministic Ids that sort in creation order', () => {
    const ids = [1, 2, 61, 62, 63, 3844, 1_000_000].map((n) => makeSalesforceId('Contact', n));
    expect(ids.every((id) => isSalesforceId(id) && id.startsWith('003'))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(makeSalesforceId('Contact', 5)).toBe(makeSalesforceId('003', 5));
    expect(keyPrefixFor('Session__c')).toMatch(/^a[0-9A-Za-z]{2}$/);
    expect(keyPrefixFor('Session__c')).toBe(keyPrefixFor('Session__c'));
    expect(() => makeSalesforceId('Contact', -1)).toThrow('Expected `n` to be an integer >= 0, got `-1` (number)');
  });
});
