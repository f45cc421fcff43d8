/**
 * Real protocol servers on loopback for the end-to-end test and the local stack: s3rver (S3) in a
 * child process, because it needs `--openssl-legacy-provider` for paginated listings, and fauxqs
 * (SNS + SQS) in process. Every start and wait is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';

const repoRoot = new URL('../../../', import.meta.url).pathname;

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface LocalS3 {
  endpoint: string;
  directory: string;
  stop(): Promise<void>;
}

/** The s3rver child: prints its port as one JSON line, exits when stdin closes (the parent is gone). */
const S3RVER_CHILD = `
import S3rver from 's3rver';
const buckets = JSON.parse(process.env.LBWATCH_S3RVER_BUCKETS ?? '[]');
const server = new S3rver({
  address: '127.0.0.1', port: 0, silent: true,
  directory: process.env.LBWATCH_S3RVER_DIR,
  configureBuckets: buckets.map((name) => ({ name })),
});
const info = await server.run();
process.stdout.write(JSON.stringify({ port: info.port }) + '\\n');
const stop = async () => { await server.close(); process.exit(0); };
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
`;

function waitForLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, newline));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code}: ${err}`));
    });
  });
}

export async function startS3rver(buckets: string[], timeoutMs = 20_000): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 'lbwatch-s3rver-'));
  const child = spawn(process.execPath, ['--input-type=module', '-e', S3RVER_CHILD], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_OPTIONS: '--openssl-legacy-provider',
      LBWATCH_S3RVER_DIR: directory,
      LBWATCH_S3RVER_BUCKETS: JSON.stringify(buckets),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let line: string;
  try {
    line = await waitForLine(child, timeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  const { port } = JSON.parse(line) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.stdin?.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** An S3 client for s3rver: path style, fixed credentials, checksums only when required. */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The keys under `prefix` (one listing page, enough for a test's state), sorted. */
export async function listObjectKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const response = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (response.Contents ?? []).map((c) => c.Key ?? '').sort();
}

/** An object's content as UTF-8 text. */
export async function readObjectText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await response.Body?.transformToString('utf-8')) ?? '';
}

export interface LocalMessaging {
  endpoint: string;
  topicArn: string;
  queueUrl: string;
  sns: SNSClient;
  sqs: SQSClient;
  stop(): Promise<void>;
}

/**
 * fauxqs with one topic and one queue subscribed to it (SNS envelope delivery, as AWS does by
 * default). Its app is listened on 127.0.0.1 here (its `startFauxqs` binds every interface), and the
 * resources are created through the SNS/SQS protocol, as a deployment would.
 */
export async function startMessaging(names: { topic: string; queue: string }): Promise<LocalMessaging> {
  const app = buildApp({ logger: false, host: '127.0.0.1' });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const endpoint = new URL(address).origin;
  const sqs = new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const sns = new SNSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const stop = async (): Promise<void> => {
    sqs.destroy();
    sns.destroy();
    await app.close();
  };
  try {
    const topic = await sns.send(new CreateTopicCommand({ Name: names.topic }));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: names.queue }));
    const queueUrl = queue.QueueUrl ?? '';
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const topicArn = topic.TopicArn ?? '';
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: attributes.Attributes?.QueueArn }),
    );
    return { endpoint, topicArn, queueUrl, sns, sqs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One SNS notification as an SQS subscriber receives it. */
export interface ReceivedNotification {
  subject: string;
  message: string;
  attributes: Record<string, string>;
}

/**
 * Drains the queue: keeps receiving until it has been empty for `quietMs` or `timeoutMs` has passed.
 */
export async function drainNotifications(
  messaging: Pick<LocalMessaging, 'sqs' | 'queueUrl'>,
  options: { quietMs?: number; timeoutMs?: number } = {},
): Promise<ReceivedNotification[]> {
  const quietMs = options.quietMs ?? 300;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const received: ReceivedNotification[] = [];
  let quietSince = Date.now();
  // At least one receive, then until quiet for `quietMs` or the deadline.
  for (let first = true; first || (Date.now() < deadline && Date.now() - quietSince < quietMs); first = false) {
    const response = await messaging.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: messaging.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = response.Messages ?? [];
    if (messages.length === 0) {
      if (quietMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50, quietMs)));
      continue;
    }
    quietSince = Date.now();
    for (const message of messages) received.push(parseEnvelope(message.Body ?? '{}'));
    await messaging.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: messaging.queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
  return received;
}

function parseEnvelope(body: string): ReceivedNotification {
  const envelope = JSON.parse(body) as {
    Subject?: string;
    Message?: string;
    MessageAttributes?: Record<string, { Type: string; Value: string }>;
  };
  const attributes: Record<string, string> = {};
  for (const [name, attribute] of Object.entries(envelope.MessageAttributes ?? {})) attributes[name] = attribute.Value;
  return { subject: envelope.Subject ?? '', message: envelope.Message ?? '', attributes };
}
