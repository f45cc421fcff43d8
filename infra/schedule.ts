import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { scheduleProblem } from './option-checks.js';

/** Default report schedule: 00:05 UTC, once the last five-minute window of the day has closed and landed. */
export const DEFAULT_REPORT_SCHEDULE = 'cron(5 0 * * ? *)';

/** Default check schedule: once per default window, so an incident opens or resolves within one window's time. */
export const DEFAULT_CHECK_SCHEDULE = 'rate(5 minutes)';

export interface FunctionScheduleProps {
  /** The function to invoke. */
  readonly target: IFunction;
  /** An EventBridge schedule expression, `cron(...)` or `rate(...)`, in UTC. */
  readonly expression: string;
  /** What the rule is for (its description). */
  readonly description: string;
  /** The option that set the expression, named in the error when it is not a schedule. */
  readonly option: string;
  /**
   * How long EventBridge keeps retrying a failed asynchronous invoke (twice at most).
   * @default Duration.hours(1) - right for a daily report; a frequent check passes its own interval
   */
  readonly maxEventAge?: Duration | undefined;
}

/** Runs a function on a schedule; a failed run is retried twice by EventBridge's asynchronous invoke. */
export class FunctionSchedule extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: FunctionScheduleProps) {
    super(scope, id);
    const problem = scheduleProblem(props.expression);
    if (problem !== null) throw new Error(`lbwatch: ${props.option}: ${problem}`);
    this.rule = new Rule(this, 'Rule', {
      description: props.description,
      schedule: Schedule.expression(props.expression),
      targets: [
        new LambdaFunction(props.target, {
          retryAttempts: 2,
          maxEventAge: props.maxEventAge ?? Duration.hours(1),
        }),
      ],
    });
  }
}
