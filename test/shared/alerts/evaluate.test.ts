import { describe, expect, it } from 'vitest';
import {
  type AlertState,
  baselineOf,
  decideTransition,
  type ObservationStatus,
  observeRule,
  type RuleState,
} from '../../../shared/alerts/evaluate';
import type { AlertRule } from '../../../shared/alerts/rules';
import type { OutcomeTouchpointFigures } from '../../../shared/metrics/outcomes';
import { addDays } from '../../../shared/time';
import { day, eventDays } from './fixtures';

const D = '2026-11-20';
const abandonment: AlertRule = {
  id: 'cart-abandonment-high',
  metric: 'carts.abandonmentRate',
  above: 0.8,
  minSample: { metric: 'carts.created', atLeast: 20 },
};
const eventsDrop: AlertRule = { id: 'events-drop', metric: 'traffic.events', dropBy: 0.5, baselineDays: 7 };

const cartsDay = (date: string, rate: number | null, created: number) =>
  day(date, (f) => {
    f.carts.abandonmentRate = rate;
    f.carts.created = created;
  });

describe('observing a rule on a day', () => {
  it('fires "above" only strictly above the threshold', () => {
    expect(observeRule(abandonment, cartsDay(D, 0.86, 212), [])).toMatchObject({
      status: 'firing',
      value: 0.86,
      threshold: 0.8,
      sample: { metric: 'carts.created', value: 212 },
    });
    expect(observeRule(abandonment, cartsDay(D, 0.8, 212), []).status).toBe('ok');
    expect(observeRule(abandonment, cartsDay(D, 0.5, 212), []).status).toBe('ok');
  });

  it('fires "below" only strictly below the threshold', () => {
    const rule: AlertRule = { id: 'rox-negative', metric: 'rox.value', below: 0 };
    const rox = (value: number) =>
      day(D, (f) => {
        f.rox.value = value;
      });
    expect(observeRule(rule, rox(-0.12), [])).toMatchObject({ status: 'firing', value: -0.12, threshold: 0 });
    expect(observeRule(rule, rox(0), []).status).toBe('ok');
  });

  it('fires dropBy when the figure fell by at least the fraction of the previous days’ mean', () => {
    const previous = eventDays(D, [100, 100, 100, 100, 100, 100, 100]);
    const events = (count: number) =>
      day(D, (f) => {
        f.traffic.events = count;
      });
    expect(observeRule(eventsDrop, events(50), previous)).toMatchObject({
      status: 'firing',
      value: 50,
      threshold: 50,
      baseline: { mean: 100, days: 7 },
    });
    expect(observeRule(eventsDrop, events(51), previous).status).toBe('ok');
    expect(observeRule(eventsDrop, events(500), previous).status).toBe('ok');
  });

  it('fires dropBy on fractions that binary floating point cannot hold exactly', () => {
    const rule: AlertRule = { id: 'conversion-drop', metric: 'funnel.conversionRate', dropBy: 0.3 };
    const rate = (date: string, value: number) =>
      day(date, (f) => {
        f.funnel.conversionRate = value;
      });
    const previous = [1, 2, 3].map((n) => rate(addDays(D, -n), 0.1));
    expect(observeRule(rule, rate(D, 0.07), previous).status).toBe('firing');
    expect(observeRule(rule, rate(D, 0.0701), previous).status).toBe('ok');
  });

  it('fires riseBy when the figure rose by at least the fraction', () => {
    const rule: AlertRule = { id: 'refunds-up', metric: 'sales.refunds', riseBy: 1 };
    const refunds = (date: string, n: number) =>
      day(date, (f) => {
        f.sales.refunds = n;
      });
    const previous = [1, 2, 3, 4].map((n) => refunds(addDays(D, -n), 10));
    expect(observeRule(rule, refunds(D, 20), previous)).toMatchObject({ status: 'firing', threshold: 20 });
    expect(observeRule(rule, refunds(D, 19), previous).status).toBe('ok');
  });

  it('fires dropByPoints and riseByPoints on absolute differences from the mean', () => {
    const npsDrop: AlertRule = { id: 'nps-drop', metric: 'experience.nps.score', dropByPoints: 15 };
    const npsRise: AlertRule = { id: 'nps-rise', metric: 'experience.nps.score', riseByPoints: 15 };
    const nps = (date: string, score: number) =>
      day(date, (f) => {
        f.experience.nps.score = score;
        f.experience.nps.responses = 64;
      });
    const previous = [30, 40, 50].map((score, n) => nps(addDays(D, -(n + 1)), score));
    expect(observeRule(npsDrop, nps(D, 25), previous)).toMatchObject({
      status: 'firing',
      threshold: 25,
      baseline: { mean: 40, days: 3 },
      sample: { metric: 'experience.nps.responses', value: 64 },
    });
    expect(observeRule(npsDrop, nps(D, 26), previous).status).toBe('ok');
    expect(observeRule(npsRise, nps(D, 55), previous).status).toBe('firing');
    expect(observeRule(npsRise, nps(D, 54), previous).status).toBe('ok');
  });

  it('measures change against a negative mean by its size', () => {
    const rule: AlertRule = { id: 'rox-drop', metric: 'rox.value', dropBy: 0.5 };
    const rox = (date: string, value: number) =>
      day(date, (f) => {
        f.rox.value = value;
      });
    const previous = [1, 2, 3].map((n) => rox(addDays(D, -n), -0.2));
    const observation = observeRule(rule, rox(D, -0.3), previous);
    expect(observation.status).toBe('firing');
    expect(observation.threshold).toBeCloseTo(-0.3, 12);
    expect(observeRule(rule, rox(D, -0.1), previous).status).toBe('ok');
  });
});

describe('baselines', () => {
  it('uses the most recent computed days only', () => {
    const previous = eventDays(D, [10, 20, 30, 40, 50, 60, 70, 1000, 1000]);
    expect(baselineOf('traffic.events', D, previous, 7)).toEqual({ mean: 40, days: 7 });
    expect(baselineOf('traffic.events', D, previous, 3)).toEqual({ mean: 20, days: 3 });
  });

  it('skips days that were not computed and averages the ones that were', () => {
    // D-1, D-4 and D-6 computed; the others missing.
    const previous = eventDays(D, [90, undefined, undefined, 120, undefined, 60]);
    expect(baselineOf('traffic.events', D, previous, 7)).toEqual({ mean: 90, days: 3 });
  });

  it('needs at least three days with a value', () => {
    const twoDays = eventDays(D, [100, undefined, 100]);
    expect(baselineOf('traffic.events', D, twoDays, 7)).toBeUndefined();
    const events = day(D, (f) => {
      f.traffic.events = 1;
    });
    expect(observeRule(eventsDrop, events, twoDays)).toMatchObject({
      status: 'unknown',
      reason: 'no_baseline',
    });
  });

  it('leaves out days where the figure is null, and then may have too few', () => {
    const rate = (n: number, value: number | null) =>
      day(addDays(D, -n), (f) => {
        f.funnel.conversionRate = value;
      });
    expect(
      baselineOf('funnel.conversionRate', D, [rate(1, 0.02), rate(2, null), rate(3, 0.04), rate(4, 0.03)], 7),
    ).toEqual({
      mean: 0.03,
      days: 3,
    });
    expect(
      baselineOf('funnel.conversionRate', D, [rate(1, 0.02), rate(2, null), rate(3, 0.04)], 7),
    ).toBeUndefined();
  });

  it('looks back at most twice the baseline length, and never at the day itself or later', () => {
    const old = eventDays(D, [undefined, undefined, undefined, undefined, undefined, undefined, 5, 5, 5]);
    expect(baselineOf('traffic.events', D, old, 3)).toBeUndefined();
    expect(baselineOf('traffic.events', D, old, 7)).toEqual({ mean: 5, days: 3 });
    const later = [D, addDays(D, 1), addDays(D, 2)].map((date) => day(date));
    expect(baselineOf('traffic.events', D, later, 7)).toBeUndefined();
  });

  it('does not fire a relative change against a zero mean', () => {
    const previous = eventDays(D, [0, 0, 0]);
    const events = day(D, (f) => {
      f.traffic.events = 0;
    });
    expect(observeRule(eventsDrop, events, previous)).toMatchObject({
      status: 'unknown',
      reason: 'no_baseline',
    });
  });
});

describe('guards', () => {
  it('does not evaluate a day below minSample, however high the figure', () => {
    expect(observeRule(abandonment, cartsDay(D, 1, 19), [])).toMatchObject({
      status: 'unknown',
      reason: 'small_sample',
      value: 1,
    });
    expect(observeRule(abandonment, cartsDay(D, 1, 20), []).status).toBe('firing');
  });

  it('treats a null sample figure as too small', () => {
    const rule: AlertRule = {
      id: 'variant',
      metric: 'carts.abandonmentRate',
      above: 0.5,
      minSample: { metric: 'experiments[checkout-v2].variants[b].journeys', atLeast: 1 },
    };
    expect(observeRule(rule, cartsDay(D, 0.9, 50), []).status).toBe('unknown');
  });

  it('never fires on a null figure, whatever the condition', () => {
    const rules: AlertRule[] = [
      { id: 'a', metric: 'carts.abandonmentRate', above: -1 },
      { id: 'b', metric: 'carts.abandonmentRate', below: 2 },
      { id: 'c', metric: 'rox.touchpoints[live_chat].rox', below: 1000 },
      { id: 'd', metric: 'traffic.byChannel.web.events', below: 1000 },
      { id: 'e', metric: 'experience.nps.score', dropByPoints: 1 },
    ];
    const previous = [1, 2, 3].map((n) =>
      day(addDays(D, -n), (f) => {
        f.experience.nps.score = 50;
      }),
    );
    const empty = day(D);
    for (const rule of rules) {
      expect(observeRule(rule, empty, previous), rule.id).toMatchObject({
        status: 'unknown',
        reason: 'null_figure',
      });
    }
  });
});

/** Runs decideTransition over days in order, as the store would, and lists what was notified. */
function run(
  rule: Pick<AlertRule, 'remindAfterDays'>,
  days: readonly [string, ObservationStatus][],
  start: RuleState | undefined = undefined,
): { notified: string[]; state: RuleState | undefined } {
  let state = start;
  const notified: string[] = [];
  const sent = new Map<string, Set<AlertState>>();
  for (const [date, status] of days) {
    const alreadyNotified = sent.get(date) ?? new Set<AlertState>();
    const decision = decideTransition({ rule, observation: { date, status }, state, alreadyNotified });
    state = decision.next;
    if (decision.notify) {
      notified.push(
        `${date} ${decision.notify.state}${decision.notify.reminder ? ' reminder' : ''} since ${decision.notify.since}`,
      );
      sent.set(date, new Set([...alreadyNotified, decision.notify.state]));
    }
  }
  return { notified, state };
}

describe('transitions', () => {
  it('notifies ok → firing → firing → resolved once each way', () => {
    const { notified, state } = run({}, [
      ['2026-11-18', 'ok'],
      ['2026-11-19', 'firing'],
      ['2026-11-20', 'firing'],
      ['2026-11-21', 'ok'],
      ['2026-11-22', 'ok'],
    ]);
    expect(notified).toEqual(['2026-11-19 firing since 2026-11-19', '2026-11-21 resolved since 2026-11-19']);
    expect(state).toEqual({
      notified: 'resolved',
      notifiedDate: '2026-11-21',
      evaluatedDate: '2026-11-22',
      lastStatus: 'ok',
    });
  });

  it('does not notify a rule that was never firing when it is ok', () => {
    expect(run({}, [['2026-11-18', 'ok']]).notified).toEqual([]);
  });

  it('re-evaluating the same day notifies nothing new', () => {
    const { notified } = run({}, [
      [D, 'firing'],
      [D, 'firing'],
      [D, 'firing'],
    ]);
    expect(notified).toEqual([`${D} firing since ${D}`]);
  });

  it('a day corrected by late events resolves once, and never fires twice for that day', () => {
    const { notified } = run({}, [
      [D, 'firing'],
      [D, 'ok'],
      [D, 'firing'],
      [D, 'ok'],
    ]);
    expect(notified).toEqual([`${D} firing since ${D}`, `${D} resolved since ${D}`]);
  });

  it('keeps firing through days that cannot be evaluated, and resolves on the next ok day', () => {
    const { notified } = run({}, [
      ['2026-11-19', 'firing'],
      ['2026-11-20', 'unknown'],
      ['2026-11-21', 'unknown'],
      ['2026-11-22', 'ok'],
    ]);
    expect(notified).toEqual(['2026-11-19 firing since 2026-11-19', '2026-11-22 resolved since 2026-11-19']);
  });

  it('ignores an older day evaluated after a newer one', () => {
    const state: RuleState = { evaluatedDate: '2026-11-21', lastStatus: 'ok' };
    const decision = decideTransition({
      rule: {},
      observation: { date: '2026-11-15', status: 'firing' },
      state,
      alreadyNotified: new Set(),
    });
    expect(decision).toEqual({ next: state, stale: true });
  });

  it('reminds a rule that keeps firing every remindAfterDays, counting from the last notice', () => {
    const days: [string, ObservationStatus][] = [0, 1, 2, 3, 4, 5].map((n) => [
      addDays('2026-11-19', n),
      'firing',
    ]);
    const { notified } = run({ remindAfterDays: 2 }, [...days, ['2026-11-25', 'ok']]);
    expect(notified).toEqual([
      '2026-11-19 firing since 2026-11-19',
      '2026-11-21 firing reminder since 2026-11-19',
      '2026-11-23 firing reminder since 2026-11-19',
      '2026-11-25 resolved since 2026-11-19',
    ]);
  });

  it('does not remind without remindAfterDays, nor twice on one day', () => {
    const days: [string, ObservationStatus][] = [0, 1, 2, 3, 4, 5].map((n) => [
      addDays('2026-11-19', n),
      'firing',
    ]);
    expect(run({}, days).notified).toHaveLength(1);
    const { notified } = run({ remindAfterDays: 1 }, [
      ['2026-11-19', 'firing'],
      ['2026-11-20', 'firing'],
      ['2026-11-20', 'firing'],
    ]);
    expect(notified).toEqual([
      '2026-11-19 firing since 2026-11-19',
      '2026-11-20 firing reminder since 2026-11-19',
    ]);
  });
});

describe('rules on the across-days figures', () => {
  it('fire on a touchpoint whose adjusted ROX interval lies below zero, and on low 30-day retention', () => {
    const losing: AlertRule = {
      id: 'chat-loses',
      metric: 'outcomes.rox.touchpoints[live_chat].roxHigh',
      below: 0,
    };
    const retention: AlertRule = { id: 'retention-low', metric: 'customers.retention30', below: 0.2 };
    const figures = day(D, (f) => {
      f.outcomes.rox.touchpoints = [
        {
          ...emptyOutcome('live_chat'),
          exposed: 40,
          roxHigh: -0.2,
          roxLow: -1.4,
          rox: -0.8,
          verdict: 'loses',
        },
      ];
      f.customers.retention30 = 0.12;
    });
    expect(observeRule(losing, figures, [])).toMatchObject({ status: 'firing', value: -0.2, threshold: 0 });
    expect(observeRule(retention, figures, [])).toMatchObject({ status: 'firing', value: 0.12 });
    // A touchpoint without usable strata has null figures: the rule does not fire.
    const unknown = day(D, (f) => {
      f.outcomes.rox.touchpoints = [emptyOutcome('live_chat')];
    });
    expect(observeRule(losing, unknown, []).status).not.toBe('firing');
  });
});

function emptyOutcome(touchpoint: string): OutcomeTouchpointFigures {
  return {
    touchpoint,
    cost: 3360,
    exposed: 0,
    controls: 0,
    revenuePerJourneyExposed: null,
    revenuePerJourneyControl: null,
    naiveIncrementalRevenue: null,
    naiveRox: null,
    strata: 0,
    usableStrata: 0,
    coverage: null,
    incrementalRevenuePerJourney: null,
    incrementalRevenuePerJourneyLow: null,
    incrementalRevenuePerJourneyHigh: null,
    incrementalRevenue: null,
    incrementalRevenueLow: null,
    incrementalRevenueHigh: null,
    rox: null,
    roxLow: null,
    roxHigh: null,
    verdict: null,
  };
}
