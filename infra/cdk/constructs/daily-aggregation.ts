/**
 * DailyAggregation: the EventBridge Scheduler schedules that run the aggregator (hourly, and the daily
 * finalization), and where their failed runs end up.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';

/** What the schedule sends: anything that is not `{ site, date }` or `{ site, from, to }` is a scheduled run. */
export const SCHEDULED_RUN_SOURCE = 'roxtrail.schedule';

export interface DailyAggregationProps {
  /** The aggregator function (functions/aggregator/handler.ts). */
  readonly aggregator: IFunction;
  /**
   * When the scheduled run starts (today's provisional figures plus every day marked for
   * recomputation). UTC.
   * @default - every hour on the hour, `cron(0 * * * ? *)`, as the local scheduler does
   */
  readonly schedule?: ScheduleExpression;
  /**
   * When the daily finalization starts: every provisional day whose `finalizeAfterHours` have passed is
   * computed once more and stored as final (metrics.md §5). UTC.
   * @default - every day at 03:30, `cron(30 3 * * ? *)`, as the local scheduler does
   */
  readonly finalizationSchedule?: ScheduleExpression;
  /** Times Scheduler retries an invocation Lambda refused (throttled, unavailable). @default 3 */
  readonly invokeRetryAttempts?: number;
  /**
   * Times Lambda retries a run that failed. A run recomputes what its predecessor left marked, so a
   * retry only helps against a passing fault; the next hour's run repeats the work anyway.
   * @default 1
   */
  readonly runRetryAttempts?: number;
  /**
   * How long an invocation may wait (Scheduler retries, Lambda's queue behind the reserved
   * concurrency) before it is dead-lettered: past it, the next run has superseded it.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
}

/**
 * Scheduler invokes the aggregator asynchronously, so a run can fail in two places: Scheduler cannot
 * hand the event to Lambda (→ `scheduleDeadLetters`, via the target's DLQ and retry policy), or the
 * run itself fails after Lambda's retries (→ `failedRuns`, the function's on-failure destination,
 * which also records the error). Explicit days invoked asynchronously land there too.
 */
export class DailyAggregation extends Construct {
  readonly schedule: Schedule;
  readonly finalization: Schedule;
  readonly scheduleDeadLetters: DeadLetterQueue;
  readonly failedRuns: DeadLetterQueue;
  /** The role Scheduler assumes to invoke the aggregator and to dead-letter what it cannot deliver. */
  readonly invokeRole: Role;

  constructor(scope: Construct, id: string, props: DailyAggregationProps) {
    super(scope, id);
    const maxEventAge = props.maxEventAge ?? Duration.hours(1);

    this.failedRuns = new DeadLetterQueue(this, 'FailedRuns', {
      purpose: 'aggregator runs that failed after Lambda retried them',
    });
    props.aggregator.configureAsyncInvoke({
      onFailure: new SqsDestination(this.failedRuns.queue),
      retryAttempts: props.runRetryAttempts ?? 1,
      maxEventAge,
    });

    this.scheduleDeadLetters = new DeadLetterQueue(this, 'ScheduleDeadLetters', {
      purpose: 'scheduled aggregator invocations EventBridge Scheduler could not deliver',
    });
    // Our own role rather than the target's shared one, so that its policy can be reviewed (and its
    // nag finding suppressed) here; binding the target adds lambda:InvokeFunction and sqs:SendMessage.
    this.invokeRole = new Role(this, 'InvokeRole', {
      description: 'EventBridge Scheduler: invoke the Roxtrail aggregator',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    const invoke = (action?: 'finalize') =>
      new LambdaInvoke(props.aggregator, {
        input: ScheduleTargetInput.fromObject({
          source: SCHEDULED_RUN_SOURCE,
          ...(action ? { action } : {}),
          scheduledTime: ContextAttribute.scheduledTime,
        }),
        role: this.invokeRole,
        deadLetterQueue: this.scheduleDeadLetters.queue,
        retryAttempts: props.invokeRetryAttempts ?? 3,
        maxEventAge,
      });
    this.schedule = new Schedule(this, 'Hourly', {
      description: 'Roxtrail: hourly aggregation (provisional today and days marked for recomputation)',
      schedule: props.schedule ?? ScheduleExpression.cron({ minute: '0' }),
      target: invoke(),
    });
    this.finalization = new Schedule(this, 'DailyFinalization', {
      description:
        'Roxtrail: daily finalization (provisional days past finalizeAfterHours computed as final)',
      schedule: props.finalizationSchedule ?? ScheduleExpression.cron({ minute: '30', hour: '3' }),
      target: invoke('finalize'),
    });
    // After the schedule: the target's grants create the role's policy the suppression must reach.
    NagSuppressions.addResourceSuppressions(
      this.invokeRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'LambdaInvoke grants lambda:InvokeFunction on the aggregator and its versions/aliases (`<arn>:*`); the scope is that one function.',
          appliesTo: [{ regex: '/^Resource::<.+\\.Arn>:\\*$/' }],
        },
      ],
      true,
    );
  }
}
