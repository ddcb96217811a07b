/**
 * `roxtrail --stack S sites apply` keeps the alert topic's e-mail subscriptions in step with the sites'
 * `alerts.emails`. Site configs live in dynalite; SNS, which has no local server, is a stand-in that
 * keeps SNS's rules: one subscription per address, pending (and unchangeable) until confirmed, pages
 * of subscriptions, a filter policy per subscription.
 */
import {
  GetSubscriptionAttributesCommand,
  type GetSubscriptionAttributesCommandOutput,
  ListSubscriptionsByTopicCommand,
  type ListSubscriptionsByTopicCommandOutput,
  SetSubscriptionAttributesCommand,
  type SetSubscriptionAttributesCommandOutput,
  SubscribeCommand,
  type SubscribeCommandOutput,
  type UnsubscribeCommand,
  type UnsubscribeCommandOutput,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySite } from '../../infra/local/cli';
import { deployedStackFromOutputs, STACK_OUTPUTS } from '../../infra/stack-outputs';
import { syncAlertEmails, type TopicSubscriptionsClient } from '../../shared/app/alerts/subscriptions';
import { siteConfigWithDefaults } from '../../shared/config/site';
import { applySiteConfig } from '../../shared/storage/site-admin';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:roxtrail-alerts';
const DEAD_LETTERS = 'arn:aws:sqs:eu-west-1:123456789012:roxtrail-undelivered';
const REDRIVE = JSON.stringify({ deadLetterTargetArn: DEAD_LETTERS });
const ALERT_TOPIC = { topicArn: TOPIC, deadLetterQueueArn: DEAD_LETTERS };

interface StoredSubscription {
  endpoint: string;
  confirmed: boolean;
  arn: string;
  /** FilterPolicy, RedrivePolicy, as SNS keeps a subscription's attributes. */
  attributes: Record<string, string>;
}

type AnyCommand =
  | ListSubscriptionsByTopicCommand
  | GetSubscriptionAttributesCommand
  | SubscribeCommand
  | SetSubscriptionAttributesCommand
  | UnsubscribeCommand;

class SnsStandIn implements TopicSubscriptionsClient {
  readonly subscriptions: StoredSubscription[] = [];
  private nextId = 1;

  add(endpoint: string, attributes: Record<string, string> = {}): void {
    this.subscriptions.push({ endpoint, confirmed: true, arn: `${TOPIC}:${this.nextId++}`, attributes });
  }

  confirmAll(): void {
    for (const subscription of this.subscriptions) subscription.confirmed = true;
  }

  attributeOf(endpoint: string, name: string): string | undefined {
    return this.subscriptions.find((subscription) => subscription.endpoint === endpoint)?.attributes[name];
  }

  policyOf(endpoint: string): string | undefined {
    return this.attributeOf(endpoint, 'FilterPolicy');
  }

  private byArn(arn: string | undefined): StoredSubscription {
    const found = this.subscriptions.find(
      (subscription) => subscription.confirmed && subscription.arn === arn,
    );
    if (!found) throw new Error(`NotFound: ${arn}`);
    return found;
  }

  send(command: ListSubscriptionsByTopicCommand): Promise<ListSubscriptionsByTopicCommandOutput>;
  send(command: GetSubscriptionAttributesCommand): Promise<GetSubscriptionAttributesCommandOutput>;
  send(command: SubscribeCommand): Promise<SubscribeCommandOutput>;
  send(command: SetSubscriptionAttributesCommand): Promise<SetSubscriptionAttributesCommandOutput>;
  send(command: UnsubscribeCommand): Promise<UnsubscribeCommandOutput>;
  async send(
    command: AnyCommand,
  ): Promise<
    | ListSubscriptionsByTopicCommandOutput
    | GetSubscriptionAttributesCommandOutput
    | SubscribeCommandOutput
    | SetSubscriptionAttributesCommandOutput
    | UnsubscribeCommandOutput
  > {
    const $metadata = {};
    if (command instanceof ListSubscriptionsByTopicCommand) {
      // Two a page, so the caller must follow NextToken.
      const start = Number(command.input.NextToken ?? 0);
      const page = this.subscriptions.slice(start, start + 2);
      return {
        $metadata,
        Subscriptions: page.map((subscription) => ({
          Protocol: 'email',
          Endpoint: subscription.endpoint,
          TopicArn: TOPIC,
          SubscriptionArn: subscription.confirmed ? subscription.arn : 'PendingConfirmation',
        })),
        NextToken: start + 2 < this.subscriptions.length ? String(start + 2) : undefined,
      };
    }
    if (command instanceof GetSubscriptionAttributesCommand) {
      const { attributes } = this.byArn(command.input.SubscriptionArn);
      return { $metadata, Attributes: { ...attributes } };
    }
    if (command instanceof SubscribeCommand) {
      const endpoint = command.input.Endpoint ?? '';
      const attributes = { ...command.input.Attributes };
      const existing = this.subscriptions.find((subscription) => subscription.endpoint === endpoint);
      if (existing && JSON.stringify(existing.attributes) !== JSON.stringify(attributes)) {
        throw new Error('InvalidParameter: Subscription already exists with different attributes');
      }
      if (!existing) {
        this.subscriptions.push({ endpoint, confirmed: false, arn: `${TOPIC}:${this.nextId++}`, attributes });
      }
      return { $metadata, SubscriptionArn: 'pending confirmation' };
    }
    if (command instanceof SetSubscriptionAttributesCommand) {
      const { AttributeName, AttributeValue } = command.input;
      if (!AttributeName || AttributeValue === undefined) throw new Error('InvalidParameter: attribute');
      this.byArn(command.input.SubscriptionArn).attributes[AttributeName] = AttributeValue;
      return { $metadata };
    }
    const removed = this.byArn(command.input.SubscriptionArn);
    this.subscriptions.splice(this.subscriptions.indexOf(removed), 1);
    return { $metadata };
  }
}

describe('alert e-mail subscriptions against the local tables and an SNS stand-in', () => {
  let stack: TestStack;
  const sns = new SnsStandIn();
  const setEmails = (site: string, emails: string[]) =>
    applySiteConfig(stack.clients, siteConfigWithDefaults({ site, alerts: { emails } }), new Date());

  beforeAll(async () => {
    stack = await startTestStack();
    await stack.createSite({ site: 'shop', alerts: { emails: ['ops@shop.example', 'team@shop.example'] } });
    await stack.createSite({ site: 'outlet', alerts: { emails: ['team@shop.example'] } });
    await stack.createSite({ site: 'quiet' });
    // The stack's own `alertEmails` subscription: every alert, no filter policy.
    sns.add('oncall@shop.example', { RedrivePolicy: REDRIVE });
    // A site subscription made before they redrove to the stack's queue.
    await stack.createSite({ site: 'legacy', alerts: { emails: ['old@legacy.example'] } });
    sns.add('old@legacy.example', { FilterPolicy: '{"site":["legacy"]}' });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('subscribe each listed address once, filtered to the sites that list it, redriving to the stack’s queue', async () => {
    const plan = await syncAlertEmails(stack.clients, sns, ALERT_TOPIC);
    expect(plan.subscribe).toEqual([
      { email: 'ops@shop.example', sites: ['shop'] },
      { email: 'team@shop.example', sites: ['outlet', 'shop'] },
    ]);
    expect(sns.policyOf('ops@shop.example')).toBe('{"site":["shop"]}');
    expect(sns.policyOf('team@shop.example')).toBe('{"site":["outlet","shop"]}');
    expect(sns.policyOf('oncall@shop.example')).toBeUndefined();
    // What SNS cannot deliver to them lands in the stack's dead-letter queue, as for its own.
    expect(sns.attributeOf('ops@shop.example', 'RedrivePolicy')).toBe(REDRIVE);
    expect(sns.attributeOf('team@shop.example', 'RedrivePolicy')).toBe(REDRIVE);
    // An older site subscription gets the queue too, its sites unchanged.
    expect(plan.setRedrive.map((change) => change.email)).toEqual(['old@legacy.example']);
    expect(sns.attributeOf('old@legacy.example', 'RedrivePolicy')).toBe(REDRIVE);
    expect(sns.policyOf('old@legacy.example')).toBe('{"site":["legacy"]}');

    // Applied again before anyone confirmed: nothing to change yet, and no error.
    const again = await syncAlertEmails(stack.clients, sns, ALERT_TOPIC);
    expect(again).toEqual({
      subscribe: [],
      setSites: [],
      unsubscribe: [],
      setRedrive: [],
      pending: ['ops@shop.example', 'team@shop.example'],
    });
  });

  it('narrow or remove confirmed subscriptions when sites stop listing an address', async () => {
    sns.confirmAll();
    await setEmails('shop', ['team@shop.example']);
    await setEmails('outlet', []);
    const plan = await syncAlertEmails(stack.clients, sns, ALERT_TOPIC);
    expect(plan.unsubscribe.map((change) => change.email)).toEqual(['ops@shop.example']);
    expect(plan.setSites.map(({ email, sites }) => ({ email, sites }))).toEqual([
      { email: 'team@shop.example', sites: ['shop'] },
    ]);
    expect(sns.subscriptions.map((subscription) => subscription.endpoint).sort()).toEqual([
      'old@legacy.example',
      'oncall@shop.example',
      'team@shop.example',
    ]);
    expect(sns.policyOf('team@shop.example')).toBe('{"site":["shop"]}');
    // The stack's own subscription keeps receiving everything.
    expect(sns.policyOf('oncall@shop.example')).toBeUndefined();
  });

  it('never lose a new site’s keys when its e-mails cannot be subscribed (sites apply --stack)', async () => {
    const outputs = Object.fromEntries(Object.values(STACK_OUTPUTS).map((name) => [name, `${name}-value`]));
    const deployed = deployedStackFromOutputs(
      'Roxtrail',
      { ...outputs, AlertTopicArn: TOPIC, UndeliveredAlertsQueueArn: DEAD_LETTERS },
      'eu-west-1',
    );
    const applied = await applySite(
      stack.clients,
      siteConfigWithDefaults({ site: 'denied', alerts: { emails: ['ops@denied.example'] } }),
      deployed,
      async () => {
        throw new Error('AuthorizationError: not allowed to sns:Subscribe');
      },
    );
    expect(applied.result).toMatchObject({ created: true, writeKey: expect.stringMatching(/^rxw_/) });
    expect(applied.alertEmailsError).toMatch(/AuthorizationError/);
    // With SNS reachable, applying again subscribes the address.
    const retried = await applySite(
      stack.clients,
      { site: 'denied', alerts: { emails: ['ops@denied.example'] } },
      deployed,
      (clients, _sns, topic) => syncAlertEmails(clients, sns, topic),
    );
    expect(retried.alertEmails?.subscribe).toEqual([{ email: 'ops@denied.example', sites: ['denied'] }]);
    // The CLI hands the sync the stack's queue from its outputs.
    expect(sns.attributeOf('ops@denied.example', 'RedrivePolicy')).toBe(REDRIVE);
  });
});
