/** AlertTopic: the SNS topic that carries figure alerts and operational alarms to people. */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';

export interface AlertTopicProps {
  /** Addresses subscribed by e-mail; each must confirm the subscription AWS mails it. @default - none */
  readonly emails?: readonly string[];
  /**
   * Encrypt the topic with a customer-managed KMS key. The AWS-managed `alias/aws/sns` will not do:
   * CloudWatch alarms can publish to an encrypted topic only when the key policy lets
   * `cloudwatch.amazonaws.com` use the key, and that key's policy cannot be changed. A key of our own
   * costs $1 a month, $3 once rotated twice: the stack's only charge without traffic, for messages
   * that hold figures and alarm names and are gone once delivered. Off by default.
   * @default false
   */
  readonly customerManagedKey?: boolean;
}

/**
 * The topic figure alerts and alarms are published to; publishing without TLS is denied. Encrypted at
 * rest only with `customerManagedKey`.
 */
export class AlertTopic extends Construct {
  readonly topic: Topic;
  /** The topic's key, with `customerManagedKey` only. */
  readonly key?: Key;
  /** Notifications SNS could not deliver to a subscriber, after its delivery retries. */
  readonly undelivered: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: AlertTopicProps = {}) {
    super(scope, id);
    if (props.customerManagedKey) {
      this.key = new Key(this, 'Key', {
        description: 'Roxtrail alert topic encryption',
        enableKeyRotation: true,
        // The key protects notifications in flight only; nothing stored outlives the topic.
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(7),
      });
      this.key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Roxtrail alerts',
      masterKey: this.key,
      enforceSSL: true,
    });

    this.undelivered = new DeadLetterQueue(this, 'Undelivered', {
      purpose: 'alert notifications SNS could not deliver to a subscriber',
    });
    // The stack's e-mail subscriptions grant this too; the ones `roxtrail --stack S sites apply` makes
    // for sites' `alerts.emails` redrive here as well, with or without any of the stack's own.
    this.undelivered.queue.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.undelivered.queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.topic.topicArn } },
      }),
    );
    for (const email of props.emails ?? []) {
      if (!/^[^\s@,]+@[^\s@,]+$/.test(email)) throw new Error(`Not an e-mail address: '${email}'.`);
      this.topic.addSubscription(new EmailSubscription(email, { deadLetterQueue: this.undelivered.queue }));
    }
  }
}
