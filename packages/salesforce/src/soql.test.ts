import { afterEach, describe, expect, it } from 'vitest';
import { connectSalesforce } from './jsforce-client.js';
import { queryAll } from './query-stream.js';
import { soql, soqlDate, soqlDateTime, soqlId, soqlLike, soqlLiteral, soqlString } from './soql.js';
import { SalesforceError } from './errors.js';
import { makeSalesforceId, startSalesforceTestServer, testConnectionConfig, type SalesforceTestServer } from './testing.js';

let server: SalesforceTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('SOQL literal helpers', () => {
  it("escapes a string holding a quote and OR: the query matches only that exact value (and the unescaped text would match everything)", async () => {
    const hostile = "x' OR LastName != 'y";
    server = await startSalesforceTestServer({
      records: { Contact: [{ LastName: 'Smith' }, { LastName: 'Jones' }, { LastName: hostile }] },
    });
    const client = await connectSalesforce(testConnectionConfig(server));
    const q = soql`SELECT Id, LastName FROM Contact WHERE LastName = ${hostile}`;
    expect(q).toBe("SELECT Id, LastName FROM Contact WHERE LastName = 'x\\' OR LastName != \\'y'");
    const rows = await queryAll(client, q);
    expect(rows.map((r) => r.LastName)).toEqual([hostile]);
    // What naive string building does with the same input: the OR escapes the literal.
    const naive = await queryAll(client, `SELECT Id FROM Contact WHERE LastName = '${hostile}'`);
    expect(naive).toHaveLength(3);
  });

  it('escapes backslashes, newlines and quotes so values round-trip through the server', async () => {
    const tricky = ['back\\slash', 'new\nline', 'tab\there', 'dq"uote', "it's", 'ends with \\'];
    server = await startSalesforceTestServer({ records: { Account: tricky.map((Name) => ({ Name })) } });
    const client = await connectSalesforce(testConnectionConfig(server));
    for (const name of tricky) {
      const rows = await queryAll(client, soql`SELECT Name FROM Account WHERE Name = ${name}`);
      expect(rows.map((r) => r.Name)).toEqual([name]);
    }
    const like = await queryAll(client, `SELECT Name FROM Account WHERE Name LIKE ${soqlLike("it'", 'prefix')}`);
    expect(like.map((r) => r.Name)).toEqual(["it's"]);
  });

  it('rejects a malformed Id before any request is sent (request counter unchanged)', async () => {
    server = await startSalesforceTestServer({ records: { Contact: [{ LastName: 'A' }] } });
    const client = await connectSalesforce(testConnectionConfig(server));
    const before = server.stats.apiRequests;
    // Injection attempt, wrong checksum suffix, 17 characters, non-alphanumeric.
    const bad = ["003' OR Id != '", '003Fx0000000001IAB', '003Fx0000000001IA', '003Fx000000000-1'];
    for (const id of bad) {
      await expect(async () => queryAll(client, soql`SELECT Id FROM Contact WHERE Id = ${soql.id(id)}`)).rejects.toMatchObject({
        code: 'SF_INVALID_VALUE',
        category: 'validation',
      });
    }
    expect(server.stats.apiRequests).toBe(before);
    // A valid 15-character Id is accepted and normalized to 18.
    const good15 = makeSalesforceId('Contact', 1).slice(0, 15);
    expect(soqlId(good15)).toBe(`'${makeSalesforceId('Contact', 1)}'`);
    const rows = await queryAll(client, soql`SELECT Id FROM Contact WHERE Id = ${soql.id(good15)}`);
    expect(rows).toHaveLength(1);
  });

  it('renders datetimes as unquoted UTC ISO literals and dates as YYYY-MM-DD', () => {
    expect(soqlDateTime(new Date('2023-05-28T16:10:08-05:00'))).toBe('2023-05-28T21:10:08Z');
    expect(soqlDateTime('2023-05-28T21:10:08.000+0000')).toBe('2023-05-28T21:10:08Z');
    expect(soqlDateTime('2023-05-28T21:10:08.123Z')).toBe('2023-05-28T21:10:08.123Z');
    expect(() => soqlDateTime('2023-05-28T21:10:08')).toThrow(SalesforceError);
    expect(() => soqlDateTime('tomorrow')).toThrow('got `tomorrow` (string)');
    expect(soqlDate('2024-02-29')).toBe('2024-02-29');
    expect(() => soqlDate('2023-02-29')).toThrow(/YYYY-MM-DD/);
    expect(soql`SELECT Id FROM Contact WHERE SystemModstamp > ${new Date(Date.UTC(2024, 0, 2, 3, 4, 5))} AND CreatedDate < ${soql.date('2024-01-01')}`).toBe(
      'SELECT Id FROM Contact WHERE SystemModstamp > 2024-01-02T03:04:05Z AND CreatedDate < 2024-01-01',
    );
  });

  it('renders numbers, booleans, null and IN lists, and refuses what it cannot render', () => {
    expect(soqlLiteral(3.5)).toBe('3.5');
    expect(soqlLiteral(true)).toBe('TRUE');
    expect(soqlLiteral(null)).toBe('null');
    expect(soqlLiteral(['a', "b'c"])).toBe("('a', 'b\\'c')");
    expect(soqlString('a\\b')).toBe("'a\\\\b'");
    expect(() => soqlLiteral(Number.NaN)).toThrow('got `NaN` (number)');
    expect(() => soqlLiteral([])).toThrow(/non-empty/);
    expect(() => soqlLiteral({ a: 1 })).toThrow(/object/);
    expect(() => soql.field('Name; DELETE')).toThrow(/field or object name/);
    expect(soql`SELECT ${soql.field('Account.Name')} FROM Contact WHERE AccountId IN ${soql.ids([makeSalesforceId('Account', 1)])}`).toBe(
      `SELECT Account.Name FROM Contact WHERE AccountId IN ('${makeSalesforceId('Account', 1)}')`,
    );
  });
});
