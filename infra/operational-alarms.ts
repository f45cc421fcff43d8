import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface OperationalAlarmsProps {
  readonly topic: ITopic;
  /** The functions whose errors and throttles page, by name (`Ingest`, `Check`, `Report`: the alarms' ids). */
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /**
   * Age of the oldest queued log object that pages.
   * @default Duration.minutes(15) - three five-minute windows behind: alerts would arrive late enough to matter.
   *   A message retried after a failure also reaches it (it waits one visibility timeout), which is worth a look.
   */
  readonly maxMessageAge?: Duration | undefined;
}

/**
 * Alarms on lbwatch itself, sent to the alert topic: a silent alerting pipeline is worse than none.
 * Each alarm fires on the first bad five-minute period and treats missing data (no traffic) as fine.
 */
export class OperationalAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const action = new SnsAction(props.topic);
    const add = (name: string, description: string, metric: IMetric, threshold: number) => {
      const alarm = new Alarm(this, name, {
        alarmDescription: `lbwatch: ${description}`,
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };
    add(
      'DeadLetters',
      'log objects failed ingestion repeatedly and wait in the dead-letter queue (inspect, fix, then redrive)',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      0,
    );
    add(
      'OldestMessageAge',
      'ingestion is behind: the oldest queued log object waits too long',
      props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      (props.maxMessageAge ?? Duration.minutes(15)).toSeconds(),
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      add(`${name}Errors`, `${name.toLowerCase()} function invocations failed`, fn.metricErrors({ period }), 0);
      add(
        `${name}Throttles`,
        `${name.toLowerCase()} function invocations were throttled`,
        fn.metricThrottles({ period }),
        0,
      );
    }
  }
}
