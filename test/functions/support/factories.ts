import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { sdkStreamMixin } from '@smithy/util-stream';
import { type FunctionConfig, parseConfig } from '../../../functions/core/config.js';
import type { Alert } from '../../../lib/model.js';

const fixtures = new URL('../../fixtures/events/', import.meta.url);

/** A real event shape from test/fixtures/events, as parsed JSON (a fresh copy each time). */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as T;
}

export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:lbwatch-alerts';

export function testConfig(env: Record<string, string> = {}): Readonly<FunctionConfig> {
  return parseConfig({ STATE_BUCKET: 'example-lbwatch-state', ALERT_TOPIC_ARN: TOPIC_ARN, ...env });
}

/** An S3 GetObject body as the SDK returns it in Node, from bytes, optionally in several chunks. */
export function s3Body(bytes: Uint8Array | string, chunkSize = 0): ReturnType<typeof sdkStreamMixin> {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes);
  const chunks: Buffer[] = [];
  if (chunkSize <= 0) chunks.push(buffer);
  else for (let i = 0; i < buffer.length; i += chunkSize) chunks.push(buffer.subarray(i, i + chunkSize));
  return sdkStreamMixin(Readable.from(chunks));
}

export function gz(text: string): Buffer {
  return gzipSync(Buffer.from(text));
}

export function alertFactory(overrides: Partial<Alert> = {}): Alert {
  return {
    rule: '5xx-rate',
    severity: 'critical',
    loadBalancer: 'app/web/50dc6c495c0c9188',
    windowStart: '2024-05-01T10:05:00.000Z',
    windowEnd: '2024-05-01T10:10:00.000Z',
    requests: 400,
    matched: 120,
    rate: 0.3,
    statusCodes: { '502': 100, '504': 20 },
    causes: [
      {
        code: 502,
        id: '502.backend-reset',
        title: 'Backend closed the connection',
        evidence: '100 of 100 502s came from 10.0.1.7:8080 after 0.001 s',
        score: 0.9,
      },
    ],
    ...overrides,
  };
}

/** A minimal AWS SDK service error, as the SDK's deserializers build them. */
export function awsError(name: string, status: number): Error {
  return Object.assign(new Error(name), {
    name,
    $metadata: { httpStatusCode: status },
    $fault: status >= 500 ? 'server' : 'client',
  });
}
