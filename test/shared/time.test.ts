import { describe, expect, it } from 'vitest';
import {
  addDays,
  datesBetween,
  hoursInLocalDay,
  isIsoDate,
  isValidTimeZone,
  localDate,
  localDateHour,
  localDayBounds,
  startOfLocalDay,
} from '../../shared/time';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('hoursInLocalDay', () => {
  it('is 25 on the Rome day DST ends (2026-10-25)', () => {
    expect(hoursInLocalDay('2026-10-25', 'Europe/Rome')).toBe(25);
  });

  it('is 23 on the Rome day DST starts (2026-03-29)', () => {
    expect(hoursInLocalDay('2026-03-29', 'Europe/Rome')).toBe(23);
  });

  it.each([
    ['2026-10-24', 'Europe/Rome'],
    ['2026-10-26', 'Europe/Rome'],
    ['2026-03-28', 'Europe/Rome'],
    ['2026-03-30', 'Europe/Rome'],
    ['2026-07-01', 'Europe/Rome'],
    ['2026-10-25', 'UTC'],
    ['2026-03-29', 'Asia/Kolkata'],
  ])('is 24 on an ordinary day (%s in %s)', (date, zone) => {
    expect(hoursInLocalDay(date, zone)).toBe(24);
  });

  it('is 23 in Santiago on 2026-09-06, when midnight is skipped', () => {
    expect(hoursInLocalDay('2026-09-06', 'America/Santiago')).toBe(23);
    expect(hoursInLocalDay('2026-09-05', 'America/Santiago')).toBe(24);
  });

  it('is 0 for a calendar day a zone skipped entirely (Samoa, 2011-12-30)', () => {
    expect(hoursInLocalDay('2011-12-30', 'Pacific/Apia')).toBe(0);
  });
});

describe('localDayBounds', () => {
  it('spans 22:00Z to 23:00Z the next day for Rome on 2026-10-25', () => {
    const { start, end } = localDayBounds('2026-10-25', 'Europe/Rome');

    expect([iso(start), iso(end)]).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
  });

  it('spans 23:00Z to 22:00Z the next day for Rome on 2026-03-29', () => {
    const { start, end } = localDayBounds('2026-03-29', 'Europe/Rome');

    expect([iso(start), iso(end)]).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
  });

  it('is the UTC day for UTC', () => {
    const { start, end } = localDayBounds('2026-02-28', 'UTC');

    expect([iso(start), iso(end)]).toEqual(['2026-02-28T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
  });

  it('meets the next day exactly: the end of one day is the start of the next', () => {
    const today = localDayBounds('2026-10-25', 'Europe/Rome');
    const tomorrow = localDayBounds('2026-10-26', 'Europe/Rome');

    expect(today.end).toBe(tomorrow.start);
  });

  it('contains its start and excludes its end', () => {
    const { start, end } = localDayBounds('2026-10-25', 'Europe/Rome');

    expect(localDate(start, 'Europe/Rome')).toBe('2026-10-25');
    expect(localDate(end - 1, 'Europe/Rome')).toBe('2026-10-25');
    expect(localDate(end, 'Europe/Rome')).toBe('2026-10-26');
  });
});

describe('startOfLocalDay', () => {
  it('finds 01:00 local (04:00Z) in Santiago on 2026-09-06, where local midnight does not exist', () => {
    const start = startOfLocalDay('2026-09-06', 'America/Santiago');

    expect(iso(start)).toBe('2026-09-06T04:00:00.000Z');
    expect(localDateHour(start, 'America/Santiago')).toEqual({ date: '2026-09-06', hour: '01' });
    expect(localDate(start - 1, 'America/Santiago')).toBe('2026-09-05');
  });

  it('finds local midnight in Santiago on the day before the switch', () => {
    expect(iso(startOfLocalDay('2026-09-05', 'America/Santiago'))).toBe('2026-09-05T04:00:00.000Z');
  });

  it.each([
    ['Asia/Kolkata', '2026-10-25', '2026-10-24T18:30:00.000Z'],
    ['Asia/Kathmandu', '2026-10-25', '2026-10-24T18:15:00.000Z'],
    ['Pacific/Kiritimati', '2026-01-01', '2025-12-31T10:00:00.000Z'],
    ['Pacific/Pago_Pago', '2026-01-01', '2026-01-01T11:00:00.000Z'],
    ['America/New_York', '2026-11-01', '2026-11-01T04:00:00.000Z'],
  ])('finds local midnight in %s on %s at %s', (zone, date, expected) => {
    expect(iso(startOfLocalDay(date, zone))).toBe(expected);
  });

  it('returns the same instant when asked twice (cached)', () => {
    const first = startOfLocalDay('2026-10-25', 'Europe/Rome');

    expect(startOfLocalDay('2026-10-25', 'Europe/Rome')).toBe(first);
  });
});

describe('localDateHour', () => {
  it('gives the site-local calendar day and hour of an instant', () => {
    expect(localDateHour(Date.parse('2026-10-24T23:30:00.000Z'), 'Europe/Rome')).toEqual({
      date: '2026-10-25',
      hour: '01',
    });
    expect(localDateHour(Date.parse('2026-10-24T23:30:00.000Z'), 'UTC')).toEqual({
      date: '2026-10-24',
      hour: '23',
    });
  });

  it('writes midnight as hour 00, not 24', () => {
    expect(localDateHour(Date.parse('2026-06-10T22:00:00.000Z'), 'Europe/Rome')).toEqual({
      date: '2026-06-11',
      hour: '00',
    });
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA zones and rejects unknown names', () => {
    expect(isValidTimeZone('Europe/Rome')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});

describe('addDays', () => {
  it.each([
    ['2026-10-25', 1, '2026-10-26'],
    ['2026-01-31', 1, '2026-02-01'],
    ['2026-02-28', 1, '2026-03-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2028-02-29', 1, '2028-03-01'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2027-01-01', -1, '2026-12-31'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-10-25', 0, '2026-10-25'],
    ['2026-12-25', 10, '2027-01-04'],
    ['2026-01-01', 365, '2027-01-01'],
    ['2028-01-01', 365, '2028-12-31'],
  ])('%s %+i days is %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it('counts calendar days, unaffected by DST (no zone involved)', () => {
    expect(addDays('2026-10-24', 1)).toBe('2026-10-25');
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
  });
});

describe('isIsoDate', () => {
  it.each(['2026-10-25', '2028-02-29', '2026-12-31', '2026-01-01'])('accepts %s', (value) => {
    expect(isIsoDate(value)).toBe(true);
  });

  it.each([
    '2026-02-29',
    '2026-02-30',
    '2026-13-01',
    '2026-00-10',
    '2026-04-31',
    '2026-10-5',
    '26-10-25',
    '2026/10/25',
    '2026-10-25T00:00:00Z',
    ' 2026-10-25',
    '',
  ])('rejects %j', (value) => {
    expect(isIsoDate(value)).toBe(false);
  });
});

describe('datesBetween', () => {
  it('lists dates inclusively across a month and year end', () => {
    expect(datesBetween('2026-12-30', '2027-01-02')).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
  });

  it('includes the leap day', () => {
    expect(datesBetween('2028-02-28', '2028-03-01')).toEqual(['2028-02-28', '2028-02-29', '2028-03-01']);
  });

  it('returns one date when from equals to', () => {
    expect(datesBetween('2026-10-25', '2026-10-25')).toEqual(['2026-10-25']);
  });

  it('returns no dates when from is after to', () => {
    expect(datesBetween('2026-10-26', '2026-10-25')).toEqual([]);
  });

  it('lists 365 dates for a non-leap year', () => {
    const year = datesBetween('2026-01-01', '2026-12-31');

    expect(year).toHaveLength(365);
    expect(year[58]).toBe('2026-02-28');
    expect(year[59]).toBe('2026-03-01');
  });
});
