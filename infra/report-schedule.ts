import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** Default report schedule: 00:05 UTC, once the last five-minute window of the day has closed and landed. */
export const DEFAULT_REPORT_SCHEDULE = 'cron(5 0 * * ? *)';

export interface ReportScheduleProps {
  readonly report: IFunction;
  /**
   * An EventBridge schedule expression, `cron(...)` or `rate(...)`, in UTC.
   * @default DEFAULT_REPORT_SCHEDULE - daily at 00:05 UTC, matching the default REPORT_PERIOD of 1d.
   */
  readonly expression?: string | undefined;
}

/** Runs the summary report on a schedule; a failed run is retried twice by EventBridge's asynchronous invoke. */
export class ReportSchedule extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ReportScheduleProps) {
    super(scope, id);
    const expression = props.expression ?? DEFAULT_REPORT_SCHEDULE;
    if (!/^(cron|rate)\(.+\)$/.test(expression)) {
      throw new Error(`lbwatch: reportSchedule must be cron(...) or rate(...), got ${JSON.stringify(expression)}`);
    }
    this.rule = new Rule(this, 'Rule', {
      description: 'lbwatch summary report',
      schedule: Schedule.expression(expression),
      targets: [new LambdaFunction(props.report, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
  }
}
