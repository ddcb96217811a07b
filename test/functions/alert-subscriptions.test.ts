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
import { syncAlertEmails, type TopicSubscriptionsClient } from '../../functions/alerts/subscriptions';
import { deployedStackFromOutputs, STACK_OUTPUTS } from '../../infra/cdk/stack-outputs';
import { applySite } from '../../infra/local/cli';
import { siteConfigWithDefaults } from '../../shared/config/site';
import { applySiteConfig } from '../../shared/storage/site-admin';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:roxtrail-alerts';

interface StoredSubscription {
  endpoint: string;
  confirmed: boolean;
  arn: string;
  filterPolicy: string | undefined;
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

  add(endpoint: string, filterPolicy?: string): void {
    this.subscriptions.push({ endpoint, confirmed: true, arn: `${TOPIC}:${this.nextId++}`, filterPolicy });
  }

  confirmAll(): void {
    for (const subscription of this.subscriptions) subscription.confirmed = true;
  }

  policyOf(endpoint: string): string | undefined {
    return this.subscriptions.find((subscription) => subscription.endpoint === endpoint)?.filterPolicy;
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
      const { filterPolicy } = this.byArn(command.input.SubscriptionArn);
      return { $metadata, Attributes: filterPolicy === undefined ? {} : { FilterPolicy: filterPolicy } };
    }
    if (command instanceof SubscribeCommand) {
      const endpoint = command.input.Endpoint ?? '';
      const filterPolicy = command.input.Attributes?.FilterPolicy;
      const existing = this.subscriptions.find((subscription) => subscription.endpoint === endpoint);
      if (existing && existing.filterPolicy !== filterPolicy) {
        throw new Error('InvalidParameter: Subscription already exists with different attributes');
      }
      if (!existing) {
        this.subscriptions.push({
          endpoint,
          confirmed: false,
          arn: `${TOPIC}:${this.nextId++}`,
          filterPolicy,
        });
      }
      return { $metadata, SubscriptionArn: 'pending confirmation' };
    }
    if (command instanceof SetSubscriptionAttributesCommand) {
      this.byArn(command.input.SubscriptionArn).filterPolicy = command.input.AttributeValue;
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
    sns.add('oncall@shop.example');
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('subscribe each listed address once, filtered to the sites that list it', async () => {
    const plan = await syncAlertEmails(stack.clients, sns, TOPIC);
    expect(plan.subscribe).toEqual([
      { email: 'ops@shop.example', sites: ['shop'] },
      { email: 'team@shop.example', sites: ['outlet', 'shop'] },
    ]);
    expect(sns.policyOf('ops@shop.example')).toBe('{"site":["shop"]}');
    expect(sns.policyOf('team@shop.example')).toBe('{"site":["outlet","shop"]}');
    expect(sns.policyOf('oncall@shop.example')).toBeUndefined();

    // Applied again before anyone confirmed: nothing to change yet, and no error.
    const again = await syncAlertEmails(stack.clients, sns, TOPIC);
    expect(again).toEqual({
      subscribe: [],
      setSites: [],
      unsubscribe: [],
      pending: ['ops@shop.example', 'team@shop.example'],
    });
  });

  it('narrow or remove confirmed subscriptions when sites stop listing an address', async () => {
    sns.confirmAll();
    await setEmails('shop', ['team@shop.example']);
    await setEmails('outlet', []);
    const plan = await syncAlertEmails(stack.clients, sns, TOPIC);
    expect(plan.unsubscribe.map((change) => change.email)).toEqual(['ops@shop.example']);
    expect(plan.setSites.map(({ email, sites }) => ({ email, sites }))).toEqual([
      { email: 'team@shop.example', sites: ['shop'] },
    ]);
    expect(sns.subscriptions.map((subscription) => subscription.endpoint).sort()).toEqual([
      'oncall@shop.example',
      'team@shop.example',
    ]);
    expect(sns.policyOf('team@shop.example')).toBe('{"site":["shop"]}');
    // The stack's own subscription keeps receiving everything.
    expect(sns.policyOf('oncall@shop.example')).toBeUndefined();
  });

  it('never lose a new site’s keys when its e-mails cannot be subscribed (sites apply --stack)', async () => {
    const outputs = Object.fromEntries(Object.values(STACK_OUTPUTS).map((name) => [name, `${name}-value`]));
    const deployed = deployedStackFromOutputs('Roxtrail', { ...outputs, AlertTopicArn: TOPIC }, 'eu-west-1');
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
      (clients, _sns, topicArn) => syncAlertEmails(clients, sns, topicArn),
    );
    expect(retried.alertEmails?.subscribe).toEqual([{ email: 'ops@denied.example', sites: ['denied'] }]);
  });
});
