import { describe, expect, it } from 'vitest';
import {
  planEmailSubscriptions,
  redrivePolicyFor,
  siteFilterPolicy,
  sitesOfFilterPolicy,
  type TopicEmailSubscription,
} from '../../../shared/alerts/subscriptions';

const sites = (entries: Record<string, string[]>) => new Map(Object.entries(entries));
const confirmed = (
  endpoint: string,
  subscribed: TopicEmailSubscription['sites'],
): TopicEmailSubscription => ({
  endpoint,
  subscriptionArn: `arn:aws:sns:eu-west-1:123456789012:alerts:${endpoint}`,
  sites: subscribed,
});

describe('alert e-mail subscriptions', () => {
  it('subscribe each new address once, for every site that lists it', () => {
    const plan = planEmailSubscriptions(
      sites({ shop: ['ops@shop.example', 'Team@Shop.example'], outlet: ['team@shop.example'] }),
      [],
    );
    expect(plan.subscribe).toEqual([
      { email: 'ops@shop.example', sites: ['shop'] },
      { email: 'Team@Shop.example', sites: ['outlet', 'shop'] },
    ]);
    expect(plan).toMatchObject({ setSites: [], unsubscribe: [], pending: [] });
  });

  it('change a confirmed subscription’s sites, and unsubscribe it when no site lists the address', () => {
    const plan = planEmailSubscriptions(sites({ shop: ['team@shop.example'], outlet: [] }), [
      confirmed('team@shop.example', ['outlet', 'shop']),
      confirmed('gone@shop.example', ['shop']),
      confirmed('same@shop.example', ['shop']),
    ]);
    expect(plan.setSites).toEqual([
      { subscriptionArn: expect.stringContaining('team@'), email: 'team@shop.example', sites: ['shop'] },
    ]);
    expect(plan.unsubscribe.map((change) => change.email)).toEqual([
      'gone@shop.example',
      'same@shop.example',
    ]);
    expect(plan.subscribe).toEqual([]);
  });

  it('leave the stack’s own subscriptions, foreign policies and unconfirmed addresses alone', () => {
    const plan = planEmailSubscriptions(
      sites({ shop: ['oncall@shop.example', 'new@shop.example', 'custom@shop.example'] }),
      [
        confirmed('oncall@shop.example', 'all'),
        confirmed('custom@shop.example', 'other'),
        { endpoint: 'new@shop.example', subscriptionArn: undefined, sites: 'unknown' },
        { endpoint: 'stranger@shop.example', subscriptionArn: undefined, sites: 'unknown' },
      ],
    );
    expect(plan).toEqual({
      subscribe: [],
      setSites: [],
      unsubscribe: [],
      setRedrive: [],
      pending: ['new@shop.example'],
    });
  });

  it('give kept site subscriptions the stack’s dead-letter queue, and leave the others’ redrive alone', () => {
    const queue = 'arn:aws:sqs:eu-west-1:123456789012:undelivered';
    const redrive = redrivePolicyFor(queue);
    expect(JSON.parse(redrive)).toEqual({ deadLetterTargetArn: queue });
    const plan = planEmailSubscriptions(
      sites({ shop: ['old@shop.example', 'done@shop.example', 'moved@shop.example'] }),
      [
        confirmed('old@shop.example', ['shop']),
        { ...confirmed('done@shop.example', ['shop']), redrivePolicy: redrive },
        confirmed('moved@shop.example', ['outlet']),
        confirmed('gone@shop.example', ['shop']),
        confirmed('oncall@shop.example', 'all'),
        confirmed('custom@shop.example', 'other'),
      ],
      queue,
    );
    expect(plan.setRedrive.map((change) => change.email)).toEqual(['old@shop.example', 'moved@shop.example']);
    expect(plan.setSites.map((change) => change.email)).toEqual(['moved@shop.example']);
    expect(plan.unsubscribe.map((change) => change.email)).toEqual(['gone@shop.example']);
    // Without a queue (a stack before it had one), nothing to redrive.
    expect(
      planEmailSubscriptions(sites({ shop: ['old@shop.example'] }), [confirmed('old@shop.example', ['shop'])])
        .setRedrive,
    ).toEqual([]);
  });

  it('read back only the filter policies they write', () => {
    expect(sitesOfFilterPolicy(siteFilterPolicy(['shop', 'outlet']))).toEqual(['outlet', 'shop']);
    expect(sitesOfFilterPolicy(undefined)).toBe('all');
    expect(sitesOfFilterPolicy('')).toBe('all');
    expect(sitesOfFilterPolicy('{"state":["firing"]}')).toBe('other');
    expect(sitesOfFilterPolicy('{"site":["shop"],"state":["firing"]}')).toBe('other');
    expect(sitesOfFilterPolicy('{"site":[{"prefix":"sh"}]}')).toBe('other');
    expect(sitesOfFilterPolicy('not json')).toBe('other');
  });
});
