import { describe, expect, it } from 'vitest';
import { dayStatus } from '../../../shared/metrics/status';
import { figuresOf, page, utcSite } from './fixtures';

describe('dayStatus (metrics.md §5)', () => {
  const rome = utcSite({ timezone: 'Europe/Rome', finalizeAfterHours: 72 });
  // 2026-10-25 (25 h) ends at 2026-10-25T23:00Z; 72 h later is 2026-10-28T23:00Z.
  it.each([
    { now: '2026-10-25T12:00:00.000Z', status: 'provisional' },
    { now: '2026-10-28T22:59:59.999Z', status: 'provisional' },
    { now: '2026-10-28T23:00:00.000Z', status: 'final' },
    { now: '2026-11-30T00:00:00.000Z', status: 'final' },
  ])('is $status at $now', ({ now, status }) => {
    expect(dayStatus('2026-10-25', rome, new Date(now))).toBe(status);
    expect(dayStatus('2026-10-25', rome, Date.parse(now))).toBe(status);
  });

  it('is final right after the day ends when finalizeAfterHours is 0', () => {
    const config = utcSite({ finalizeAfterHours: 0 });
    expect(dayStatus('2026-10-24', config, Date.parse('2026-10-24T23:59:59.999Z'))).toBe('provisional');
    expect(dayStatus('2026-10-24', config, Date.parse('2026-10-25T00:00:00.000Z'))).toBe('final');
  });
});

describe('quality (metrics.md §4)', () => {
  it('counts events of D received after the end of D + 1 day as late', () => {
    const events = [
      page({ at: '2026-10-24T10:00', receivedAt: '2026-10-24T10:00' }),
      page({ at: '2026-10-24T10:00', receivedAt: '2026-10-25T23:59:59.999Z' }),
      page({ at: '2026-10-24T10:00', receivedAt: '2026-10-26T00:00' }),
      page({ at: '2026-10-24T10:00', receivedAt: '2026-10-30T08:00' }),
    ];
    expect(figuresOf(events).quality.lateEvents).toBe(2);
  });

  it('measures lateness in site-local days', () => {
    const rome = utcSite({ timezone: 'Europe/Rome' });
    // D+1 = 2026-10-25 (Rome) ends at 2026-10-25T23:00Z.
    const events = [
      page({ at: '2026-10-24T10:00', receivedAt: '2026-10-25T22:59:59.999Z' }),
      page({ at: '2026-10-24T10:00', receivedAt: '2026-10-25T23:00' }),
    ];
    expect(figuresOf(events, { config: rome }).quality.lateEvents).toBe(1);
  });

  it('reports the rejected counts it is given, and none by default', () => {
    expect(figuresOf([]).quality).toEqual({
      duplicates: 0,
      unconvertedOrders: 0,
      lateEvents: 0,
      rejected: {},
    });
  });
});
