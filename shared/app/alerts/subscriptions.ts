/**
 * Keeps the alert topic's e-mail subscriptions in step with the sites' `alerts.emails`
 * (shared/alerts/subscriptions.ts decides; this module lists and changes them). Run by
 * `roxtrail --stack S sites apply`: there is no SNS locally, where alerts are printed and filed.
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
  UnsubscribeCommand,
  type UnsubscribeCommandOutput,
} from '@aws-sdk/client-sns';
import {
  planEmailSubscriptions,
  redrivePolicyFor,
  type SubscriptionPlan,
  siteFilterPolicy,
  sitesOfFilterPolicy,
  type TopicEmailSubscription,
} from '../../alerts/subscriptions';
import type { StorageClients } from '../../storage/clients';
import { getSite, listSites } from '../../storage/table';

/** The SNS calls this module makes: an SNSClient, or a stand-in in tests (there is no local SNS). */
export interface TopicSubscriptionsClient {
  send(command: ListSubscriptionsByTopicCommand): Promise<ListSubscriptionsByTopicCommandOutput>;
  send(command: GetSubscriptionAttributesCommand): Promise<GetSubscriptionAttributesCommandOutput>;
  send(command: SubscribeCommand): Promise<SubscribeCommandOutput>;
  send(command: SetSubscriptionAttributesCommand): Promise<SetSubscriptionAttributesCommandOutput>;
  send(command: UnsubscribeCommand): Promise<UnsubscribeCommandOutput>;
}

/** The topic's e-mail subscriptions with the sites their filter policies name. */
export async function listEmailSubscriptions(
  sns: TopicSubscriptionsClient,
  topicArn: string,
): Promise<TopicEmailSubscription[]> {
  const subscriptions: TopicEmailSubscription[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: nextToken }),
    );
    for (const { Protocol, Endpoint, SubscriptionArn } of page.Subscriptions ?? []) {
      if (Protocol !== 'email' || !Endpoint) continue;
      // "PendingConfirmation" until the address confirms.
      if (!SubscriptionArn?.startsWith('arn:')) {
        subscriptions.push({ endpoint: Endpoint, subscriptionArn: undefined, sites: 'unknown' });
        continue;
      }
      const { Attributes } = await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: SubscriptionArn }),
      );
      subscriptions.push({
        endpoint: Endpoint,
        subscriptionArn: SubscriptionArn,
        sites: sitesOfFilterPolicy(Attributes?.FilterPolicy),
        redrivePolicy: Attributes?.RedrivePolicy || undefined,
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return subscriptions;
}

/** The stack's alert topic and the queue its subscriptions redrive undeliverable alerts to. */
export interface AlertTopicRef {
  topicArn: string;
  deadLetterQueueArn?: string;
}

export async function applySubscriptionPlan(
  sns: TopicSubscriptionsClient,
  topic: AlertTopicRef,
  plan: SubscriptionPlan,
): Promise<void> {
  const redrive = topic.deadLetterQueueArn ? redrivePolicyFor(topic.deadLetterQueueArn) : undefined;
  for (const { email, sites } of plan.subscribe) {
    await sns.send(
      new SubscribeCommand({
        TopicArn: topic.topicArn,
        Protocol: 'email',
        Endpoint: email,
        // As the stack's own e-mail subscriptions: what SNS cannot deliver lands in the queue.
        Attributes: { FilterPolicy: siteFilterPolicy(sites), ...(redrive ? { RedrivePolicy: redrive } : {}) },
      }),
    );
  }
  for (const { subscriptionArn } of redrive ? plan.setRedrive : []) {
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subscriptionArn,
        AttributeName: 'RedrivePolicy',
        AttributeValue: redrive,
      }),
    );
  }
  for (const { subscriptionArn, sites } of plan.setSites) {
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: siteFilterPolicy(sites),
      }),
    );
  }
  for (const { subscriptionArn } of plan.unsubscribe) {
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
  }
}

/** Every site's `alerts.emails`, subscribed to the topic for that site's alerts; returns what changed. */
export async function syncAlertEmails(
  clients: StorageClients,
  sns: TopicSubscriptionsClient,
  topic: AlertTopicRef,
): Promise<SubscriptionPlan> {
  const emailsBySite = new Map<string, readonly string[]>();
  for (const site of await listSites(clients)) {
    const stored = await getSite(clients, site);
    if (stored) emailsBySite.set(site, stored.config.alerts.emails);
  }
  const existing = await listEmailSubscriptions(sns, topic.topicArn);
  const plan = planEmailSubscriptions(emailsBySite, existing, topic.deadLetterQueueArn);
  await applySubscriptionPlan(sns, topic, plan);
  return plan;
}
