/** RoxtrailMonitoring: the alarms that page the alert topic, and (on request) a dashboard with the pipeline's key metrics. */
import { Duration, Stack } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  type Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface RoxtrailMonitoringProps {
  /** Where every alarm (and its return to OK) is published. */
  readonly alertTopic: ITopic;
  /** The API stage whose requests, latency and 5xx answers are watched. */
  readonly apiStage: IHttpStage;
  /** The collector: throttles mean lost tracking requests (clients retry, but not forever). */
  readonly collector: IFunction;
  /**
   * The collector also answers at its function URL: its 5xx answers there raise an alarm too (the
   * API stage does not see them).
   * @default false
   */
  readonly collectorUrl?: boolean;
  /** The aggregator: an error means a day's figures are stale. */
  readonly aggregator: IFunction;
  /**
   * The alert evaluator: an error means a site's rules went unevaluated (an hourly evaluation that
   * failed, or notifications not delivered), so an incident may go unnotified. The aggregator invokes
   * it asynchronously, so its own errors never reach the aggregator's alarm.
   */
  readonly alertEvaluator: IFunction;
  /** Every function, by display name, for the dashboard's per-function graphs. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Dead-letter queues by display name; any message in one raises its alarm. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  /**
   * 5xx answers in 5 minutes that raise the API alarm. The collector answers 503 on purpose when a
   * store fails (clients retry), so a single one is not worth a page.
   * @default 5
   */
  readonly serverErrorThreshold?: number;
  /**
   * Adds the CloudWatch dashboard. Off by default: a dashboard costs $3 a month beyond the account's
   * three free ones, and the stack should cost nothing without traffic; the Lambda, API Gateway and
   * SQS consoles show the same metrics.
   * @default false
   */
  readonly dashboard?: boolean;
  /** @default - the stack name */
  readonly dashboardName?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

export class RoxtrailMonitoring extends Construct {
  /** Every alarm this construct created, in creation order. */
  readonly alarms: Alarm[] = [];
  readonly dashboard?: Dashboard;

  constructor(scope: Construct, id: string, props: RoxtrailMonitoringProps) {
    super(scope, id);
    const action = new SnsAction(props.alertTopic);
    const alarm = (alarmId: string, metric: Metric, threshold: number, description: string): Alarm => {
      const created = metric.createAlarm(this, alarmId, {
        alarmDescription: description,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No requests or no runs is not a failure.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };

    alarm(
      'ApiServerErrors',
      props.apiStage.metricServerError({ period: FIVE_MINUTES, statistic: Stats.SUM }),
      props.serverErrorThreshold ?? 5,
      'The API answered 5xx (collector or query function failing, or a store unavailable).',
    );
    if (props.collectorUrl) {
      alarm(
        'CollectorUrlServerErrors',
        // Function URLs publish their answers' status classes as the function's Url4xx/Url5xxCount.
        new Metric({
          namespace: 'AWS/Lambda',
          metricName: 'Url5xxCount',
          dimensionsMap: { FunctionName: props.collector.functionName },
          period: FIVE_MINUTES,
          statistic: Stats.SUM,
        }),
        props.serverErrorThreshold ?? 5,
        "The collector's function URL answered 5xx (collector failing or throttled, or a store unavailable).",
      );
    }
    alarm(
      'CollectorThrottles',
      props.collector.metricThrottles({ period: FIVE_MINUTES, statistic: Stats.SUM }),
      1,
      'Lambda throttled the collector: tracking requests were refused (raise its concurrency or the account limit).',
    );
    alarm(
      'AggregatorErrors',
      // A run lasts up to 15 minutes and happens hourly: an hour's window keeps the alarm up until
      // the next run has had its chance, instead of flapping back to OK after 5 minutes.
      props.aggregator.metricErrors({ period: Duration.hours(1), statistic: Stats.SUM }),
      1,
      "An aggregator run failed: some day's figures are stale until a run succeeds.",
    );
    alarm(
      'AlertEvaluatorErrors',
      // Hourly evaluations run after every hourly run: the same hour-long window as the aggregator's.
      props.alertEvaluator.metricErrors({ period: Duration.hours(1), statistic: Stats.SUM }),
      1,
      "An alert evaluation failed (an hourly run's rules, or a day's): incidents may go unnotified until one succeeds.",
    );
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: Stats.MAXIMUM }),
        1,
        `Messages in the ${name} dead-letter queue: inspect them, fix the cause, then redrive or purge.`,
      );
    }

    // Eight alarms (nine with the function URL): within the 10 CloudWatch bills nothing for
    // (test/infra holds the count to the cost model).
    if (props.dashboard) this.dashboard = this.addDashboard(props);
  }

  private addDashboard(props: RoxtrailMonitoringProps): Dashboard {
    const dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? Stack.of(this).stackName,
      defaultInterval: Duration.days(1),
    });
    const labelled = (label: string, metric: Metric): Metric => metric.with({ label });
    const functions = Object.entries(props.functions);

    dashboard.addWidgets(
      new TextWidget({
        markdown:
          '# Roxtrail\nTracking and query API, the Lambda functions behind it and the scheduled aggregation.',
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests',
        left: [props.apiStage.metricCount({ statistic: Stats.SUM, label: 'requests' })],
        width: 8,
      }),
      new GraphWidget({
        title: 'API latency (ms)',
        left: [
          props.apiStage.metricLatency({ statistic: Stats.percentile(50), label: 'p50' }),
          props.apiStage.metricLatency({ statistic: Stats.percentile(99), label: 'p99' }),
          props.apiStage.metricIntegrationLatency({
            statistic: Stats.percentile(99),
            label: 'integration p99',
          }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'API errors',
        left: [
          props.apiStage.metricClientError({ statistic: Stats.SUM, label: '4xx (incl. 429 throttled)' }),
          props.apiStage.metricServerError({ statistic: Stats.SUM, label: '5xx' }),
        ],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Invocations',
        left: functions.map(([name, fn]) => labelled(name, fn.metricInvocations({ statistic: Stats.SUM }))),
        width: 6,
      }),
      new GraphWidget({
        title: 'Errors',
        left: functions.map(([name, fn]) => labelled(name, fn.metricErrors({ statistic: Stats.SUM }))),
        width: 6,
      }),
      new GraphWidget({
        title: 'Throttles',
        left: functions.map(([name, fn]) => labelled(name, fn.metricThrottles({ statistic: Stats.SUM }))),
        width: 6,
      }),
      new GraphWidget({
        title: 'Duration p99 (ms)',
        left: functions.map(([name, fn]) =>
          labelled(name, fn.metricDuration({ statistic: Stats.percentile(99) })),
        ),
        width: 6,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Dead-letter queues (messages visible)',
        left: Object.entries(props.deadLetterQueues).map(([name, queue]) =>
          labelled(name, queue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM })),
        ),
        width: 12,
      }),
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
    );
    return dashboard;
  }
}
