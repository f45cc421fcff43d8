import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { LbwatchStack, type LbwatchStackProps } from '../../infra/lbwatch-stack.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const names = ['ingest', 'report'] as const;

/** The context of cdk.json (feature flags included), so tests synthesize what `cdk synth` does. */
export const cdkJsonContext: Record<string, unknown> = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context;

let codeDirectory: string | undefined;

/**
 * A copy of the functions' bundles (`dist/functions`), building them first when nothing was built yet (a fresh
 * clone before `npm run build`). While the function sources cannot be bundled, minimal modules stand in: the
 * template asserted here depends on the directory existing, not on the bundles' content.
 */
export function functionsCodeDirectory(): string {
  if (codeDirectory !== undefined) return codeDirectory;
  const dist = join(root, 'dist', 'functions');
  const built = () => names.every((name) => existsSync(join(dist, name, 'index.mjs')));
  const sources = names.every((name) => existsSync(join(root, 'functions', 'aws', name, 'index.ts')));
  // Build only when no build ran at all: rebuilding after a failed one would only delete dist/ under the feet of
  // tests that run the bundled CLI at the same time.
  const neverBuilt = !existsSync(join(root, 'dist', 'cli', 'lbwatch.mjs'));
  if (!built() && sources && neverBuilt) {
    try {
      execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
    } catch {
      // A bundling failure is reported by `npm run build`; the template tests still run on the stand-in below.
    }
  }
  // A private copy: a build started meanwhile (it deletes dist/ first) must not pull the bundles from under the
  // synthesis of these tests.
  const copy = mkdtempSync(join(tmpdir(), 'lbwatch-infra-test-'));
  try {
    for (const name of names) cpSync(join(dist, name), join(copy, name), { recursive: true });
    if (!names.every((name) => existsSync(join(copy, name, 'index.mjs')))) throw new Error('incomplete bundles');
  } catch {
    for (const name of names) {
      mkdirSync(join(copy, name), { recursive: true });
      writeFileSync(join(copy, name, 'index.mjs'), 'export const handler = async () => ({});\n');
    }
  }
  codeDirectory = copy;
  return codeDirectory;
}

/** Deletes the private copy of the bundles (call in afterAll). */
export function removeFunctionsCopy(): void {
  if (codeDirectory !== undefined) rmSync(codeDirectory, { recursive: true, force: true });
  codeDirectory = undefined;
}

export interface Synthesized {
  stack: LbwatchStack;
  template: Template;
  /** Logical id of a construct's CloudFormation resource. */
  id: (construct: IConstruct) => string;
}

/** Synthesizes one stack with cdk.json's context and the given props. */
export function synthesize(props: Omit<LbwatchStackProps, 'functionsCodeDirectory'>): Synthesized {
  const app = new App({ context: cdkJsonContext });
  const stack = new LbwatchStack(app, 'LbwatchTest', { functionsCodeDirectory: functionsCodeDirectory(), ...props });
  return {
    stack,
    template: Template.fromStack(stack),
    id: (construct) => stack.getLogicalId(construct.node.defaultChild as CfnElement),
  };
}

/** A bare stack for testing the policy checks themselves. */
export function bareStack(): Stack {
  return new Stack(new App(), 'Bare');
}

// ---- IAM helpers ----------------------------------------------------------------------------------------------

export type Statement = {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
  Sid?: string;
};

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Every statement of the identity policies attached to a role (its default policy and any others). */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.toJSON().Resources as Resources;
  return Object.values(policies)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: roleLogicalId }]))
    .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? []);
}

/** JSON with object keys sorted, so equal values print equally whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Order-insensitive comparison form for statement lists (statement order and key order do not matter). */
export function sortedStatements(statements: readonly Statement[]): string[] {
  return statements.map(canonical).sort();
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** X-Ray has no resource-level permissions: these are the only actions that may name `Resource: *`. */
const RESOURCE_STAR_ALLOWED = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);

/**
 * Broad grants in any policy of the template: Allow statements with a wildcard action (`*`, `s3:*`, `sns:*`,
 * `s3:Get*`...) or `Resource: *` for anything but the X-Ray actions. Deny statements (TLS-only policies) are fine.
 */
export function broadGrants(template: Template): string[] {
  const resources = template.toJSON().Resources as Resources;
  const found: string[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const documents: unknown[] = [];
    const props = resource.Properties ?? {};
    if (['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(resource.Type)) documents.push(props.PolicyDocument);
    if (['AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy'].includes(resource.Type)) {
      documents.push(props.PolicyDocument);
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const inline of asList(props.Policies))
        documents.push((inline as { PolicyDocument: unknown }).PolicyDocument);
    }
    for (const document of documents) {
      for (const statement of (document as { Statement: Statement[] }).Statement) {
        if (statement.Effect !== 'Allow') continue;
        const actions = asList(statement.Action) as string[];
        for (const action of actions) {
          if (action.includes('*')) found.push(`${logicalId}: wildcard action ${action}`);
        }
        if (asList(statement.Resource).includes('*') && !actions.every((a) => RESOURCE_STAR_ALLOWED.has(a))) {
          found.push(`${logicalId}: Resource * for ${actions.join(', ')}`);
        }
      }
    }
  }
  return found;
}

/** Roles that carry AWS managed policies, by logical id. */
export function rolesWithManagedPolicies(template: Template): string[] {
  const resources = template.toJSON().Resources as Resources;
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties?.ManagedPolicyArns !== undefined)
    .map(([id]) => id);
}

// ---- CloudFormation value builders (what the template must contain) ------------------------------------------

export const getArn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
export const ref = (logicalId: string) => ({ Ref: logicalId });
/** `<bucket ARN>/<path>` for a bucket of this stack. */
export const objectsOf = (bucketLogicalId: string, path: string) => ({
  'Fn::Join': ['', [getArn(bucketLogicalId), `/${path}`]],
});
/** `arn:<partition>:s3:::<name>/<path>` for a bucket known by name. */
export const namedObjects = (bucketAndPath: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${bucketAndPath}`]],
});
