import { describe, expect, it } from 'vitest';
import { RowErrorCode } from './row-errors';
import { IssueList, birthdate } from './values';

describe('birthdate', () => {
  const today = new Date('2025-03-01T12:00:00Z');
  const read = (value: unknown): { value: string | null; issues: IssueList['items'] } => {
    const issues = new IssueList();
    return { value: birthdate(value, 'Birthdate', issues, today), issues: issues.items };
  };

  it('keeps a birthdate from 1900-01-01 up to today', () => {
    for (const day of ['1900-01-01', '1985-06-15', '2025-03-01']) expect(read(day)).toEqual({ value: day, issues: [] });
  });

  it('drops a birthdate before 1900 or in the future with an INVALID_DATE warning naming the value', () => {
    for (const day of ['0000-01-01', '1899-12-31', '2025-03-02', '9999-12-31']) {
      const { value, issues } = read(day);
      expect(value, day).toBeNull();
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ code: RowErrorCode.InvalidDate, severity: 'warning', field: 'Birthdate' });
      expect(issues[0]?.message).toContain(`\`${day}\``);
      expect(issues[0]?.message).toContain('out of range');
    }
  });

  it('a value that is not a date gets the one usual warning, not two', () => {
    const { value, issues } = read('31/02/2011');
    expect(value).toBeNull();
    expect(issues.map((i) => i.message)).toEqual(['Birthdate is not a date: `31/02/2011`']);
  });
});
