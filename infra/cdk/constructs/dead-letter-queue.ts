/** DeadLetterQueue: an encrypted, TLS-only SQS queue that keeps what an asynchronous invocation could not deliver. */
import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

export interface DeadLetterQueueProps {
  /** What ends up here, for the nag suppression and the reader of the template. */
  readonly purpose: string;
  /** How long a failed event is kept for inspection and redrive (SQS allows at most 14 days). @default Duration.days(14) */
  readonly retentionPeriod?: Duration;
}

/**
 * SQS-managed encryption rather than a KMS key: Lambda destinations and EventBridge Scheduler can
 * write to it with nothing but `sqs:SendMessage`, and it costs nothing extra. The depth alarm
 * (RoxtrailMonitoring) is what makes anyone look at it.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    });
    const reason = `This queue is itself a dead-letter queue (${props.purpose}); nothing consumes it automatically, so a redrive policy to a further queue would only move the messages. Its depth alarm notifies the alert topic.`;
    NagSuppressions.addResourceSuppressions(this.queue, [
      { id: 'AwsSolutions-SQS3', reason },
      { id: 'Serverless-SQSRedrivePolicy', reason },
    ]);
  }
}
