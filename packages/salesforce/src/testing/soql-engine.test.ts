import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSalesforceId } from '../ids.js';
import { startSalesforceTestServer, type SalesforceTestServer } from './server.js';

// jsforce, unchanged, against the test server: the SOQL subset and its Salesforce semantics.
let server: SalesforceTestServer;
let conn: InstanceType<typeof jsforce.Connection>;
const acme = makeSalesforceId('Account', 1);
const globex = makeSalesforceId('Account', 2);

beforeAll(async () => {
  server = await startSalesforceTestServer({
    now: () => Date.parse('2024-03-10T12:00:00Z'),
    records: {
      Account: [
        { Id: acme, Name: 'Acme', Type: 'School' },
        { Id: globex, Name: 'Globex', Type: 'Household' },
      ],
      Contact: [
        { LastName: 'alpha', FirstName: 'Ann', AccountId: acme, Contact_Type__c: 'Volunteer', Hours__c: 5, Active__c: true, SystemModstamp: '2024-03-10T08:00:00Z', Birthdate: '1990-05-01', MailingCity: 'Kansas City', MailingState: 'MO' },
        { LastName: 'Beta', FirstName: null, AccountId: globex, Contact_Type__c: 'Teacher', Hours__c: 2.5, Active__c: false, SystemModstamp: '2024-03-01T00:00:00Z', Birthdate: null },
        { LastName: 'gamma', FirstName: 'Gil', AccountId: null, Contact_Type__c: '', Hours__c: null, Active__c: null, SystemModstamp: '2024-02-01T00:00:00Z', Birthdate: '2001-12-31' },
        { LastName: "O'Neil", FirstName: 'Oz', AccountId: acme, Contact_Type__c: 'Student', Hours__c: 10, Active__c: true, SystemModstamp: '2023-12-31T23:59:59Z', Birthdate: '2010-01-01' },
      ],
    },
  });
  conn = new jsforce.Connection({ loginUrl: server.url, version: '62.0' });
  const c = server.credentials;
  await conn.login(c.username, c.password + c.securityToken);
});
afterAll(async () => server.close());

async function names(where: string, order = 'ORDER BY LastName'): Promise<string[]> {
  const res = await conn.query<{ LastName: string }>(`SELECT LastName FROM Contact ${where} ${order}`);
  return res.records.map((r) => r.LastName);
}

async function failure(soql: string): Promise<{ errorCode: string; message: string }> {
  const err = (await conn.query(soql).then(
    () => undefined,
    (e: unknown) => e,
  )) as { errorCode: string; message: string } | undefined;
  if (!err) throw new Error(`expected ${soql} to fail`);
  return err;
}

describe('test server SOQL subset', () => {
  it('compares text case-insensitively and treats \'\' as null', async () => {
    expect(await names("WHERE LastName = 'ALPHA'")).toEqual(['alpha']);
    expect(await names("WHERE Contact_Type__c = 'Volunteer' OR Contact_Type__c = ''")).toEqual(['alpha', 'gamma']);
    expect(await names('WHERE Contact_Type__c = null')).toEqual(['gamma']);
  });

  it('uses two-valued logic: != and NOT IN match nulls; <, >, LIKE never match null', async () => {
    expect(await names("WHERE FirstName != 'Ann'")).toEqual(['Beta', 'gamma', "O'Neil"]);
    expect(await names("WHERE FirstName NOT IN ('Ann', 'Gil')")).toEqual(['Beta', "O'Neil"]);
    expect(await names("WHERE FirstName IN ('Ann', null)")).toEqual(['alpha', 'Beta']);
    expect(await names('WHERE Hours__c < 100')).toEqual(['alpha', 'Beta', "O'Neil"]);
    expect(await names("WHERE FirstName LIKE '%'")).toEqual(['alpha', 'gamma', "O'Neil"]);
    expect(await names("WHERE NOT (FirstName = 'Ann')")).toEqual(['Beta', 'gamma', "O'Neil"]);
    expect(await names('WHERE Active__c = false')).toEqual(['Beta', 'gamma']); // a boolean null is false
  });

  it('supports LIKE, IN, AND/OR with parentheses, numbers, dates and datetimes', async () => {
    expect(await names("WHERE LastName LIKE '_eta'")).toEqual(['Beta']);
    expect(await names("WHERE LastName LIKE 'o\\'%'")).toEqual(["O'Neil"]);
    expect(await names("WHERE (Hours__c >= 5 AND Active__c = true) OR LastName = 'Beta'")).toEqual(['alpha', 'Beta', "O'Neil"]);
    expect(await names('WHERE Hours__c > 2.5 AND Hours__c <= 10')).toEqual(['alpha', "O'Neil"]);
    expect(await names('WHERE SystemModstamp >= 2024-03-01T00:00:00Z')).toEqual(['alpha', 'Beta']);
    expect(await names('WHERE SystemModstamp > 2024-03-01T01:00:00+01:00')).toEqual(['alpha']);
    expect(await names('WHERE Birthdate < 2000-01-01')).toEqual(['alpha']);
    expect(await names('WHERE SystemModstamp = TODAY')).toEqual(['alpha']);
    expect(await names('WHERE SystemModstamp = LAST_N_DAYS:10')).toEqual(['alpha', 'Beta']);
  });

  it('follows relationship fields in SELECT, WHERE and ORDER BY; a missing parent is null', async () => {
    const res = await conn.query<Record<string, unknown>>("SELECT Id, LastName, Account.Name, Account.Type FROM Contact WHERE Account.Type != 'Household' ORDER BY Account.Name NULLS LAST, LastName");
    expect(res.records.map((r) => [r.LastName, (r.Account as { Name: string } | null)?.Name ?? null])).toEqual([
      ['alpha', 'Acme'],
      ["O'Neil", 'Acme'],
      ['gamma', null],
    ]);
    expect(res.records[0]!.Account).toEqual({
      attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${acme}` },
      Name: 'Acme',
      Type: 'School',
    });
    expect(res.records[2]!.Account).toBeNull();
  });

  it('orders by several fields, ASC/DESC, nulls first by default or last on request', async () => {
    expect(await names('', 'ORDER BY Hours__c')).toEqual(['gamma', 'Beta', 'alpha', "O'Neil"]);
    expect(await names('', 'ORDER BY Hours__c DESC')).toEqual(['gamma', "O'Neil", 'alpha', 'Beta']);
    expect(await names('', 'ORDER BY Hours__c DESC NULLS LAST')).toEqual(["O'Neil", 'alpha', 'Beta', 'gamma']);
    expect(await names('', 'ORDER BY AccountId, LastName DESC')).toEqual(['gamma', "O'Neil", 'alpha', 'Beta']);
    expect(await names('', 'ORDER BY LastName LIMIT 2 OFFSET 1')).toEqual(['Beta', 'gamma']);
  });

  it('answers COUNT(), COUNT(field) with aliases, and GROUP BY', async () => {
    const count = await conn.query("SELECT COUNT() FROM Contact WHERE AccountId != null");
    expect(count.totalSize).toBe(3);
    expect(count.records).toEqual([]);
    const agg = await conn.query<Record<string, unknown>>('SELECT COUNT(Id) total, MAX(Hours__c), COUNT(FirstName) FROM Contact');
    expect(agg.records).toEqual([{ attributes: { type: 'AggregateResult' }, total: 4, expr0: 10, expr1: 3 }]);
    const grouped = await conn.query<Record<string, unknown>>('SELECT AccountId, COUNT(Id) n FROM Contact GROUP BY AccountId');
    expect(grouped.records.map((r) => [r.AccountId, r.n])).toEqual(expect.arrayContaining([[acme, 2], [globex, 1], [null, 1]]));
  });

  it('builds compound address fields and normalizes datetimes to Salesforce\'s format', async () => {
    const res = await conn.query<Record<string, unknown>>("SELECT MailingAddress, SystemModstamp FROM Contact WHERE LastName = 'alpha'");
    expect(res.records[0]!.MailingAddress).toMatchObject({ city: 'Kansas City', state: 'MO', street: null });
    expect(res.records[0]!.SystemModstamp).toBe('2024-03-10T08:00:00.000+0000');
  });

  it('answers errors in Salesforce\'s shape', async () => {
    expect(await failure('SELECT Nope__c FROM Contact')).toMatchObject({ errorCode: 'INVALID_FIELD', message: expect.stringContaining("No such column 'Nope__c' on entity 'Contact'") });
    expect(await failure('SELECT Id FROM Nope__c')).toMatchObject({ errorCode: 'INVALID_TYPE' });
    expect(await failure('SELECT Id FROM Contact WHERE')).toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    expect(await failure("SELECT Id FROM Contact WHERE LastName = 'a' AND FirstName = 'b' OR Hours__c = 1")).toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    expect(await failure("SELECT Id FROM Contact WHERE SystemModstamp > '2024-01-01T00:00:00Z'")).toMatchObject({
      errorCode: 'INVALID_QUERY_FILTER_OPERATOR',
      message: "value of filter criterion for field 'SystemModstamp' must be of type dateTime and should not be enclosed in quotes",
    });
    expect(await failure("SELECT Id FROM Contact WHERE AccountId = 'abc'")).toMatchObject({ errorCode: 'INVALID_QUERY_FILTER_OPERATOR' });
    expect(await failure('SELECT Id, LastName, id FROM Contact')).toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    expect(await failure('SELECT Foo.Name FROM Contact')).toMatchObject({ errorCode: 'INVALID_FIELD' });
  });

  it('describes any object from its records, and reports limits', async () => {
    const d = await conn.describe('Contact');
    const types = Object.fromEntries(d.fields.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({ Id: 'id', AccountId: 'reference', Hours__c: 'double', Active__c: 'boolean', SystemModstamp: 'datetime', Birthdate: 'date', LastName: 'string' });
    expect(d.fields.find((f) => f.name === 'AccountId')).toMatchObject({ referenceTo: ['Account'], relationshipName: 'Account' });
    const limits = (await conn.limits()) as unknown as { DailyApiRequests: { Max: number; Remaining: number } };
    expect(limits.DailyApiRequests.Max).toBe(100_000);
    expect(limits.DailyApiRequests.Remaining).toBe(100_000 - server.apiUsage.used);
  });
});
