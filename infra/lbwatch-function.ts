import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The bundles `npm run build` writes to `dist/functions/<name>/index.mjs`. */
export type FunctionName = 'ingest' | 'check' | 'report';

/** The bundle `npm run build` writes for one function. */
export function bundleFile(codeDirectory: string, name: FunctionName): string {
  return join(codeDirectory, name, 'index.mjs');
}

/** Whether `npm run build` produced the function's bundle in `codeDirectory`. */
export function bundleExists(codeDirectory: string, name: FunctionName): boolean {
  return existsSync(bundleFile(codeDirectory, name));
}

export interface LbwatchFunctionProps {
  readonly name: FunctionName;
  /**
   * Directory holding `<name>/index.mjs` (exporting `handler`) and its source map, as written by `npm run build`.
   * Checked at synth time so a missing build fails with a message instead of an empty deployment package.
   */
  readonly codeDirectory: string;
  readonly memorySizeMiB: number;
  /** A cap on V8's old space (`--max-old-space-size`), so memory is collected before it piles up; none if absent. */
  readonly heapMiB?: number | undefined;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  /** X-Ray active tracing; adds the xray:Put* statements (X-Ray has no resource-level permissions). */
  readonly tracing: boolean;
}

/**
 * One lbwatch function with its own role and log group. The role is created here, not by the Function, so it
 * carries no AWSLambdaBasicExecutionRole (logs:CreateLogGroup on every resource): it may only write to its own
 * log group, and the stack adds each data permission as an explicit statement.
 */
export class LbwatchFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LbwatchFunctionProps) {
    super(scope, id);
    const bundleDirectory = join(props.codeDirectory, props.name);
    if (!bundleExists(props.codeDirectory, props.name)) {
      throw new Error(
        `lbwatch: ${bundleFile(props.codeDirectory, props.name)} is missing; run \`npm run build\` (npm ci runs it) before synth`,
      );
    }
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      // Function logs expire by retention; keeping the group after `cdk destroy` preserves the last days for review.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `lbwatch ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new LambdaFunction(this, 'Function', {
      description: `lbwatch ${props.name}`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      handler: 'index.handler',
      code: Code.fromAsset(bundleDirectory),
      memorySize: props.memorySizeMiB,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: {
        ...props.environment,
        // The bundles ship source maps next to them: stack traces then point at the TypeScript sources.
        NODE_OPTIONS: [
          '--enable-source-maps',
          ...(props.heapMiB === undefined ? [] : [`--max-old-space-size=${props.heapMiB}`]),
        ].join(' '),
        POWERTOOLS_SERVICE_NAME: 'lbwatch',
      },
    });
  }
}
