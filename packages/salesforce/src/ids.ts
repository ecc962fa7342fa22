/**
 * Salesforce record Ids: 15 case-sensitive characters plus, in the 18-character form, a
 * 3-character checksum suffix that makes the Id safe in case-insensitive places.
 */
import { invalidArgument } from './errors.js';

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID_BODY = /^[a-zA-Z0-9]{15}$/;
const ID_ANY = /^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$/;
/** Base-62 digits in ASCII order, so generated Ids sort in creation order as plain strings. */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The 3-character checksum suffix of a 15-character Id. */
export function idChecksum(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) flags |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[flags];
  }
  return suffix;
}

/**
 * The 18-character form of a Salesforce Id, or `undefined` when `value` is not a valid Id
 * (wrong length, a character outside `[a-zA-Z0-9]`, or an 18-character Id whose checksum suffix
 * does not match its first 15 characters).
 */
export function normalizeSalesforceId(value: unknown): string | undefined {
  if (typeof value !== 'string' || !ID_ANY.test(value)) return undefined;
  const body = value.slice(0, 15);
  const suffix = idChecksum(body);
  if (value.length === 18 && value.slice(15) !== suffix) return undefined;
  return body + suffix;
}

/** Whether `value` is a valid 15- or 18-character Salesforce Id (checksum verified). */
export function isSalesforceId(value: unknown): value is string {
  return normalizeSalesforceId(value) !== undefined;
}

/** Standard objects' key prefixes (the first 3 characters of their records' Ids). */
export const STANDARD_KEY_PREFIXES: Readonly<Record<string, string>> = {
  Account: '001',
  Contact: '003',
  User: '005',
  Opportunity: '006',
  Lead: '00Q',
  Task: '00T',
  Event: '00U',
  Organization: '00D',
  OpportunityContactRole: '00K',
  CampaignMember: '00v',
  RecordType: '012',
  EmailMessage: '02s',
  Case: '500',
  Campaign: '701',
  AsyncApexJob: '707',
  BulkQueryJob: '750',
};

function hashPrefix(objectName: string): string {
  let h = 2166136261;
  for (let i = 0; i < objectName.length; i++) {
    h ^= objectName.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  const n = h % (62 * 62);
  return `a${BASE62[Math.floor(n / 62)]}${BASE62[n % 62]}`;
}

/**
 * The key prefix the test server uses for `objectName`: the real one for common standard
 * objects, otherwise a stable `aXX` prefix derived from the name (as custom objects have).
 */
export function keyPrefixFor(objectName: string): string {
  return STANDARD_KEY_PREFIXES[objectName] ?? hashPrefix(objectName);
}

/**
 * A valid 18-character Id for the `n`-th record (n >= 1) of an object, deterministic and
 * sorting in `n` order: `makeSalesforceId('Contact', 1)` is `0035g00000000001AAA`-shaped.
 *
 * @param objectOrPrefix an object name (`'Contact'`) or a 3-character key prefix (`'003'`)
 */
export function makeSalesforceId(objectOrPrefix: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw invalidArgument('n', 'an integer >= 0', n);
  }
  const prefix = /^[a-zA-Z0-9]{3}$/.test(objectOrPrefix) && !/^[A-Z][a-z]/.test(objectOrPrefix)
    ? objectOrPrefix
    : keyPrefixFor(objectOrPrefix);
  let digits = '';
  let rest = n;
  for (let i = 0; i < 9; i++) {
    digits = BASE62[rest % 62] + digits;
    rest = Math.floor(rest / 62);
  }
  const body = `${prefix}Fx0${digits}`;
  return body + idChecksum(body);
}
