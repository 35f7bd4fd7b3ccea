import { pgDatabase } from '@gdpr-mail/postgres';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toPgParam } from '../src/pg-database.js';
import { POSTGRES_URL, requirePostgres } from './helpers.js';

const postgres = await requirePostgres();

it('writes arrays of ids as one literal and leaves anything needing quotes to pg', () => {
  expect(toPgParam(['a1', 'message:3f-2', 'x.y_z'])).toBe('{a1,message:3f-2,x.y_z}');
  expect(toPgParam([1, -2, 30])).toBe('{1,-2,30}');
  for (const needsPg of [[''], ['a b'], ['a,b'], ['"'], ['\\'], ['{'], ['null'], ['NULL'], [1.5]]) {
    expect(toPgParam(needsPg)).toBe(needsPg);
  }
  expect(toPgParam([])).toEqual([]);
  expect(toPgParam('not an array')).toBe('not an array');
});

postgres.describe('array parameters on PostgreSQL', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  });
  afterAll(() => pool.end());

  it('reach the server as the same elements, whichever way they are written', async () => {
    const db = pgDatabase(pool);
    const element = fc.oneof(
      fc.stringMatching(/^[0-9A-Za-z_.:-]{1,20}$/),
      fc.constantFrom('NULL', 'null', 'Null', '', ' ', 'a b', 'a,b', '"', '\\', '{}', 'é'),
      fc.string({ maxLength: 8 }).filter((s) => !s.includes('\u0000')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(element, { maxLength: 12 }), async (values) => {
        const [row] = await db.query('SELECT $1::text[] AS a', [values]);
        expect(row?.a).toEqual(values);
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer(), { maxLength: 12 }), async (values) => {
        const [row] = await db.query('SELECT $1::bigint[]::text[] AS a', [values]);
        expect(row?.a).toEqual(values.map(String));
      }),
      { numRuns: 100 },
    );
  });
});
