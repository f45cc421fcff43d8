// The lbwatch CDK app: `npx cdk synth|deploy|destroy` (cdk.json runs it). Options come from CDK context:
// defaults in cdk.json, overrides with `-c key=value`. The stack is environment-agnostic (no account or region
// lookups), so synth works offline; deploy targets the account and region of the AWS credentials in use.
import { App } from 'aws-cdk-lib';
import { propsFromContext } from './context.js';
import { LbwatchStack } from './lbwatch-stack.js';

const app = new App();
try {
  const stackName = app.node.tryGetContext('stackName');
  new LbwatchStack(app, typeof stackName === 'string' && stackName !== '' ? stackName : 'Lbwatch', {
    ...propsFromContext((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext())),
    description: 'lbwatch: load-balancer access-log status-code alerts and reports',
  });
  // Synthesized here rather than when the process exits, so a failure while writing the assembly (a missing asset)
  // is reported the same way; the App keeps the result, so its own synthesis at exit does not run twice.
  app.synth();
} catch (error) {
  // Configuration mistakes are the user's to fix: print the message, not a stack trace into the CDK sources.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
