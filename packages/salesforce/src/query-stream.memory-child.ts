/**
 * Child process of query-stream.memory.test.ts (run with --expose-gc): streams 200,000 records
 * from a test server in this process and prints the heap growth it measured, as JSON.
 */
import { connectSalesforce } from './jsforce-client.js';
import { queryStream } from './query-stream.js';
import { startSalesforceTestServer, testConnectionConfig } from './testing.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const total = Number(process.argv[2] ?? 200_000);
const records = Array.from({ length: total }, (_, i) => ({
  FirstName: `First${i}`,
  LastName: `Last-name-${i}`,
  Email: `person${i}@example.org`,
  Phone: `+1-555-${String(i).padStart(7, '0')}`,
  Description: `Volunteer ${i} with a description long enough to look like a real note field.`,
}));
const server = await startSalesforceTestServer({ records: { Contact: records } });
records.length = 0;
const client = await connectSalesforce(testConnectionConfig(server));
const soql = 'SELECT Id, FirstName, LastName, Email, Phone, Description, SystemModstamp FROM Contact';

const heap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

// What holding 10 pages (20,000 records) costs, to compare the streaming growth with.
const held: unknown[] = [];
const before = heap();
let pages = 0;
for await (const chunk of queryStream(client, soql, { chunkSize: 2000 })) {
  held.push(chunk);
  if (++pages === 10) break;
}
const tenPages = heap() - before;
held.length = 0;

const base = heap();
let peak = 0;
let count = 0;
let chunks = 0;
// Distinctness without holding the Ids: the server returns records in Id order, so each Id must be
// greater than the one before.
let lastId = '';
let ascending = 0;
for await (const chunk of queryStream(client, soql, { chunkSize: 2000 })) {
  count += chunk.length;
  for (const r of chunk) {
    if (r.Id! > lastId) ascending++;
    lastId = r.Id!;
  }
  if (++chunks % 20 === 0) peak = Math.max(peak, heap() - base);
}
await server.close();
process.stdout.write(`${JSON.stringify({ count, distinct: ascending, peakGrowth: peak, tenPages })}\n`);
