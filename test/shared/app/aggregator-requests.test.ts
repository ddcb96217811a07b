import { describe, expect, it } from 'vitest';
import { aggregatorRequestOf } from '../../../shared/app/aggregate/requests';

describe('the aggregator request an event asks for', () => {
  it.each([
    ['one day', { site: 's', date: '2026-11-01' }, { action: 'days', site: 's', dates: ['2026-11-01'] }],
    [
      'a range of days, both ends included',
      { site: 's', from: '2026-10-30', to: '2026-11-01' },
      { action: 'days', site: 's', dates: ['2026-10-30', '2026-10-31', '2026-11-01'] },
    ],
    ['the finalization', { source: 'roxtrail.schedule', action: 'finalize' }, { action: 'finalize' }],
    [
      'an erasure job',
      { action: 'erase-user', site: 's', userId: 'u1' },
      { action: 'erase-user', site: 's', userId: 'u1' },
    ],
    ['the schedule’s hourly event', { source: 'roxtrail.schedule' }, { action: 'scheduled' }],
    ['anything else', 'ping', { action: 'scheduled' }],
  ])('%s', (_name, event, request) => {
    expect(aggregatorRequestOf(event)).toEqual(request);
  });

  it('computes the days an event names even when it also asks for the finalization', () => {
    expect(aggregatorRequestOf({ action: 'finalize', site: 's', date: '2026-11-01' })).toEqual({
      action: 'days',
      site: 's',
      dates: ['2026-11-01'],
    });
  });

  it('takes an event whose date is not YYYY-MM-DD for the scheduled run, as any unknown payload', () => {
    expect(aggregatorRequestOf({ site: 's', date: '1 Nov 2026' })).toEqual({ action: 'scheduled' });
  });

  it('passes a partial-building chunk on as it came', () => {
    const event = {
      action: 'build-partials',
      context: { site: 's', timeZone: 'UTC', nowMs: 1 },
      partitions: [{ date: '2026-11-01', hour: '03', objects: [{ key: 'events/k', size: 10 }] }],
    };
    expect(aggregatorRequestOf(event)).toEqual(event);
  });
});
