import { describe, expect, it } from 'vitest';
import type { Observation, PlannedNotification } from '../../../shared/alerts/evaluate';
import { alertMessage, formatFigure } from '../../../shared/alerts/messages';
import type { AlertRule } from '../../../shared/alerts/rules';

const D = '2026-11-20';
const firing: PlannedNotification = { state: 'firing', reminder: false, since: D };

function message(
  rule: AlertRule,
  observation: Omit<Observation, 'ruleId' | 'metric' | 'date'>,
  notification: PlannedNotification = firing,
  currency = 'EUR',
) {
  return alertMessage({
    site: 'demo',
    currency,
    rule,
    observation: { ruleId: rule.id, metric: rule.metric, date: D, ...observation },
    notification,
  });
}

const abandonment: AlertRule = {
  id: 'cart-abandonment-high',
  metric: 'carts.abandonmentRate',
  above: 0.8,
  minSample: { metric: 'carts.created', atLeast: 20 },
};
const carts = (rate: number, created: number) => ({
  status: 'firing' as const,
  value: rate,
  threshold: 0.8,
  sample: { metric: 'carts.created', value: created },
});

describe('alert messages', () => {
  it('reads like api.md’s example and carries its JSON fields', () => {
    expect(message(abandonment, carts(0.86, 212))).toEqual({
      site: 'demo',
      ruleId: 'cart-abandonment-high',
      metric: 'carts.abandonmentRate',
      date: D,
      state: 'firing',
      value: 0.86,
      threshold: 0.8,
      every: 'day',
      text: 'Cart abandonment on demo was 86% on 2026-11-20, above 80% (212 carts)',
    });
  });

  it('says when a rule resolves and when it is still firing', () => {
    const resolved = message(
      abandonment,
      { ...carts(0.45, 198), status: 'ok' },
      {
        state: 'resolved',
        reminder: false,
        since: '2026-11-18',
      },
    );
    expect(resolved.state).toBe('resolved');
    expect(resolved.text).toBe(
      'Resolved: cart abandonment on demo was 45% on 2026-11-20, no longer above 80% (198 carts)',
    );
    const reminder = message(abandonment, carts(0.84, 1530), {
      state: 'firing',
      reminder: true,
      since: '2026-11-17',
    });
    expect(reminder.text).toBe(
      'Still firing since 2026-11-17: cart abandonment on demo was 84% on 2026-11-20, above 80% (1,530 carts)',
    );
  });

  it('shows the drop from the baseline mean for relative rules, with the baseline in the JSON', () => {
    const rule: AlertRule = { id: 'events-drop', metric: 'traffic.events', dropBy: 0.5, baselineDays: 7 };
    expect(
      message(rule, { status: 'firing', value: 1020, threshold: 1062.5, baseline: { mean: 2125, days: 7 } }),
    ).toEqual({
      site: 'demo',
      ruleId: 'events-drop',
      metric: 'traffic.events',
      date: D,
      state: 'firing',
      value: 1020,
      threshold: 1062.5,
      baseline: 2125,
      every: 'day',
      text: 'Event volume on demo was 1,020 on 2026-11-20, down 52% from the 7-day mean of 2,125',
    });
  });

  it('shows rates as percentages, with a decimal where a whole percent would hide the change', () => {
    const rule: AlertRule = { id: 'conversion-drop', metric: 'funnel.conversionRate', dropBy: 0.3 };
    const text = message(rule, {
      status: 'firing',
      value: 0.012,
      threshold: 0.0154,
      baseline: { mean: 0.022, days: 5 },
      sample: { metric: 'traffic.sessions', value: 980 },
    }).text;
    expect(text).toBe(
      'Conversion rate on demo was 1.2% on 2026-11-20, down 45% from the 5-day mean of 2.2% (980 sessions)',
    );
  });

  it('shows point drops for NPS with the number of responses', () => {
    const rule: AlertRule = { id: 'nps-drop', metric: 'experience.nps.score', dropByPoints: 15 };
    expect(
      message(rule, {
        status: 'firing',
        value: 18,
        threshold: 25,
        baseline: { mean: 40, days: 7 },
        sample: { metric: 'experience.nps.responses', value: 64 },
      }).text,
    ).toBe('NPS on demo was 18 on 2026-11-20, 22 points below the 7-day mean of 40 (64 responses)');
    expect(
      message(
        rule,
        {
          status: 'ok',
          value: 38,
          threshold: 25,
          baseline: { mean: 40, days: 7 },
          sample: { metric: 'experience.nps.responses', value: 70 },
        },
        { state: 'resolved', reminder: false, since: D },
      ).text,
    ).toBe(
      'Resolved: NPS on demo was 38 on 2026-11-20, 2 points below the 7-day mean of 40, within the 15 points limit (70 responses)',
    );
  });

  it('shows money in the site currency', () => {
    const rule: AlertRule = { id: 'revenue-low', metric: 'sales.revenue', below: 1000 };
    const observation = {
      status: 'firing' as const,
      value: 812.4,
      threshold: 1000,
      sample: { metric: 'sales.orders', value: 14 },
    };
    expect(message(rule, observation).text).toBe(
      'Revenue on demo was €812.40 on 2026-11-20, below €1,000.00 (14 orders)',
    );
    expect(message(rule, observation, firing, 'USD').text).toBe(
      'Revenue on demo was $812.40 on 2026-11-20, below $1,000.00 (14 orders)',
    );
    const aov: AlertRule = { id: 'aov-drop', metric: 'sales.aov', dropByPoints: 10 };
    expect(
      message(
        aov,
        {
          status: 'firing',
          value: 48,
          threshold: 50,
          baseline: { mean: 60, days: 7 },
          sample: { metric: 'sales.orders', value: 30 },
        },
        firing,
        'GBP',
      ).text,
    ).toBe(
      'Average order value on demo was £48.00 on 2026-11-20, £12.00 below the 7-day mean of £60.00 (30 orders)',
    );
  });

  it('names touchpoints and shows ROX as a ratio, as roxtrail figures and the dashboard do', () => {
    const rule: AlertRule = { id: 'chat-rox', metric: 'rox.touchpoints[live_chat].rox', below: 0 };
    expect(
      message(rule, {
        status: 'firing',
        value: -0.125,
        threshold: 0,
        sample: { metric: 'rox.touchpoints[live_chat].journeys', value: 1830 },
      }).text,
    ).toBe('ROX of live_chat on demo was -0.13 on 2026-11-20, below 0.00 (1,830 journeys)');
    const site: AlertRule = { id: 'rox-negative', metric: 'rox.value', below: 0 };
    expect(message(site, { status: 'firing', value: -0.04, threshold: 0 }).text).toBe(
      'Site ROX on demo was -0.04 on 2026-11-20, below 0.00',
    );
  });

  it('names experiment variants and channels', () => {
    const variant: AlertRule = {
      id: 'v',
      metric: 'experiments[checkout-v2].variants[b].conversionRate',
      below: 0.02,
    };
    expect(
      message(variant, {
        status: 'firing',
        value: 0.015,
        threshold: 0.02,
        sample: { metric: 'experiments[checkout-v2].variants[b].journeys', value: 400 },
      }).text,
    ).toBe(
      'Conversion rate of checkout-v2 variant b on demo was 1.5% on 2026-11-20, below 2% (400 journeys)',
    );
    const channel: AlertRule = { id: 'c', metric: 'traffic.byChannel.app.events', dropBy: 0.5 };
    expect(
      message(channel, { status: 'firing', value: 10, threshold: 50, baseline: { mean: 100, days: 3 } }).text,
    ).toBe('Event volume on channel app on demo was 10 on 2026-11-20, down 90% from the 3-day mean of 100');
  });

  it('formats each unit', () => {
    expect(formatFigure(0.5, 'rate', 'EUR')).toBe('50%');
    expect(formatFigure(0.004, 'rate', 'EUR')).toBe('0.4%');
    expect(formatFigure(-0.25, 'ratio', 'EUR')).toBe('-0.25');
    expect(formatFigure(8.6449, 'ratio', 'EUR')).toBe('8.64');
    expect(formatFigure(-0.001, 'ratio', 'EUR')).toBe('0.00');
    expect(formatFigure(1234.5, 'money', 'EUR')).toBe('€1,234.50');
    expect(formatFigure(1234.5, 'money', 'JPY')).toBe('¥1,235');
    expect(formatFigure(12345, 'count', 'EUR')).toBe('12,345');
    expect(formatFigure(1708.29, 'count', 'EUR')).toBe('1,708');
    expect(formatFigure(2.5, 'count', 'EUR')).toBe('2.5');
    expect(formatFigure(-4.5, 'points', 'EUR')).toBe('-4.5');
    expect(formatFigure(5.25, 'score', 'EUR')).toBe('5.25');
  });
});
