import { describe, expect, it } from 'vitest';
import { checkAlertRules, conditionOf, DEFAULT_ALERT_RULES, validRules } from '../../../shared/alerts/rules';
import { parseSiteConfig, siteConfigWithDefaults } from '../../../shared/config/site';

const withRules = (rules: unknown[]) => parseSiteConfig({ site: 'demo', alerts: { rules } });

function problem(rules: unknown[]): string {
  const parsed = withRules(rules);
  if (parsed.ok) throw new Error('expected the config to be rejected');
  return parsed.message;
}

describe('alert rules in the site config', () => {
  it('gives a site created without rules the default rules of api.md', () => {
    const config = siteConfigWithDefaults({ site: 'demo' });
    expect(config.alerts.rules).toEqual([
      {
        id: 'cart-abandonment-high',
        metric: 'carts.abandonmentRate',
        above: 0.8,
        minSample: { metric: 'carts.created', atLeast: 20 },
      },
      { id: 'events-drop', metric: 'traffic.events', dropBy: 0.5, baselineDays: 7 },
      { id: 'conversion-drop', metric: 'funnel.conversionRate', dropBy: 0.3, baselineDays: 7 },
      { id: 'nps-drop', metric: 'experience.nps.score', dropByPoints: 15, baselineDays: 7 },
      { id: 'rox-negative', metric: 'rox.value', below: 0 },
      {
        id: 'checkout-broken',
        every: 'hour',
        metric: 'carts.abandonmentRate',
        above: 0.95,
        minSample: { metric: 'carts.created', atLeast: 15 },
      },
      {
        id: 'tracking-broken',
        every: 'hour',
        metric: 'traffic.events',
        dropBy: 0.7,
        minBaseline: { atLeast: 100 },
      },
      {
        id: 'orders-stopped',
        every: 'hour',
        metric: 'sales.orders',
        dropBy: 0.8,
        minBaseline: { atLeast: 10 },
      },
    ]);
    // Also when `alerts` is there without rules, and never a shared (mutable) copy of the defaults.
    const other = siteConfigWithDefaults({
      site: 'other',
      alerts: { webhooks: ['https://hooks.example/x'] },
    });
    expect(other.alerts.rules).toEqual(config.alerts.rules);
    expect(other.alerts.rules).not.toBe(config.alerts.rules);
    expect(other.alerts.rules[0]).not.toBe(DEFAULT_ALERT_RULES[0]);
  });

  it('keeps the rules a config gives, including none at all', () => {
    const own = withRules([{ id: 'rox-chat', metric: 'rox.touchpoints[live_chat].rox', below: -0.5 }]);
    expect(own.ok && own.config.alerts.rules).toEqual([
      { id: 'rox-chat', metric: 'rox.touchpoints[live_chat].rox', below: -0.5 },
    ]);
    const none = withRules([]);
    expect(none.ok && none.config.alerts.rules).toEqual([]);
  });

  it('accepts every kind of rule on list and map entries', () => {
    const parsed = withRules([
      { id: 'a', metric: 'traffic.byChannel.web.events', dropBy: 0.4, baselineDays: 14 },
      { id: 'b', metric: 'experiments[checkout-v2].variants[b].conversionRate', riseBy: 0.2 },
      { id: 'c', metric: 'experience.enps.byTeam[support].score', dropByPoints: 10 },
      { id: 'd', metric: 'sales.aov', riseByPoints: 25, remindAfterDays: 3 },
      { id: 'e', metric: 'funnel.steps[Order Completed].sessions', below: 5 },
      {
        id: 'f',
        metric: 'rox.touchpoints[live_chat].conversionRateEngaged',
        above: 0.9,
        minSample: { metric: 'rox.touchpoints[live_chat].journeys', atLeast: 30 },
      },
    ]);
    expect(parsed.ok ? parsed.config.alerts.rules.map((rule) => conditionOf(rule)) : parsed.message).toEqual([
      { kind: 'dropBy', amount: 0.4, baselineDays: 14 },
      { kind: 'riseBy', amount: 0.2, baselineDays: 7 },
      { kind: 'dropByPoints', amount: 10, baselineDays: 7 },
      { kind: 'riseByPoints', amount: 25, baselineDays: 7 },
      { kind: 'below', threshold: 5 },
      { kind: 'above', threshold: 0.9 },
    ]);
  });

  it('rejects an unknown figure path and lists the valid ones', () => {
    const message = problem([{ id: 'x', metric: 'carts.abandonRate', above: 0.5 }]);
    expect(message).toContain('unknown figure path "carts.abandonRate"');
    expect(message).toContain('valid paths: traffic.events, traffic.journeys');
    expect(message).toContain('carts.abandonmentRate');
    expect(message).toContain('rox.touchpoints[<touchpoint>].rox');
    expect(message).toContain('traffic.byChannel.<channel>.events');
    expect(message).toContain('alerts.rules[0].metric');
  });

  it('rejects an unknown minSample path', () => {
    expect(
      problem([
        { id: 'x', metric: 'carts.abandonmentRate', above: 0.5, minSample: { metric: 'carts', atLeast: 2 } },
      ]),
    ).toContain('unknown figure path "carts"');
  });

  it.each([
    [{ id: 'x', metric: 'traffic.events' }, 'exactly one of above, below'],
    [{ id: 'x', metric: 'traffic.events', above: 1, below: 0 }, 'exactly one of above, below'],
    [{ id: 'x', metric: 'traffic.events', abvoe: 1 }, 'unknown field(s) "abvoe"'],
    [{ id: 'x', metric: 'traffic.events', dropBy: 1.5 }, 'dropBy is a fraction of the baseline'],
    [
      { id: 'x', metric: 'traffic.events', dropBy: 0.5, baselineDays: 2 },
      'baselineDays is a whole number of days from 3 to 90',
    ],
    [{ id: 'x', metric: 'traffic.events', above: 5, baselineDays: 7 }, 'baselineDays applies to'],
    [{ id: 'x#1', metric: 'traffic.events', above: 5 }, 'rule ids are'],
    [
      { id: 'x', metric: 'traffic.events', above: 5, remindAfterDays: 0 },
      'remindAfterDays is a whole number of days',
    ],
    [{ id: 'x', metric: 'traffic.events', above: 5, minSample: { metric: 'traffic.events' } }, 'atLeast'],
  ])('rejects the rule %j', (rule, expected) => {
    expect(problem([rule])).toContain(expected);
  });

  it('rejects two rules with the same id', () => {
    expect(
      problem([
        { id: 'same', metric: 'traffic.events', above: 5 },
        { id: 'same', metric: 'traffic.events', below: 1 },
      ]),
    ).toContain('alert rule ids must be unique');
  });

  it('rejects a rule on a touchpoint without a daily cost, naming the touchpoints with one', () => {
    const config = siteConfigWithDefaults({
      site: 'demo',
      touchpoints: { live_chat: { dailyCost: 120 }, wifi: { dailyCost: 0 } },
      alerts: { rules: [{ id: 'wifi-rox', metric: 'rox.touchpoints[wifi].rox', below: 0 }] },
    });
    expect(checkAlertRules(config)).toBe(
      'alert rule "wifi-rox" watches touchpoint "wifi", which has no dailyCost in "touchpoints" (touchpoints with a cost: live_chat)',
    );
    const fine = siteConfigWithDefaults({
      site: 'demo',
      touchpoints: { live_chat: { dailyCost: 120 } },
      alerts: { rules: [{ id: 'chat-rox', metric: 'rox.touchpoints[live_chat].rox', below: 0 }] },
    });
    expect(checkAlertRules(fine)).toBeUndefined();
    expect(checkAlertRules(siteConfigWithDefaults({ site: 'demo' }))).toBeUndefined();
  });

  it('re-validates stored rules one by one, skipping the ones that no longer parse', () => {
    const { rules, invalid } = validRules([
      { id: 'ok', metric: 'traffic.events', above: 1 },
      { id: 'old', metric: 'carts.gone', above: 1 },
    ]);
    expect(rules.map((rule) => rule.id)).toEqual(['ok']);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toContain('carts.gone');
  });
});
