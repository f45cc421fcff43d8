import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import { runtimeOnce } from '../../../functions/otc/runtime.js';
import { aNotification } from '../../lib/notify/factories.js';
import { type Recorder, startRecorder } from '../../support/recorder.js';

const TOPIC_URN = 'urn:smn:eu-de:0a1b2c3d4e5f60718293a4b5c6d7e8f9:lbwatch-alerts';

let server: Recorder;
beforeEach(async () => {
  server = await startRecorder([{ status: 200 }]);
});
afterEach(async () => {
  await server.close();
});

describe('FunctionGraph runtime', () => {
  it('publishes to SMN with the agency token of the latest invocation', async () => {
    // Prepare
    const config = parseConfig({
      STATE_BUCKET: 'example-lbwatch-state',
      SMN_TOPIC_URN: TOPIC_URN,
      SMN_ENDPOINT: server.origin,
    });
    const runtime = runtimeOnce(config, memoryLogger());
    const s3 = new S3Client({ region: 'eu-de' });
    // Act
    const first = await runtime(s3, { getToken: () => 'token-1' });
    await first.destinations[0]?.send(aNotification());
    const second = await runtime(s3, { getToken: () => 'token-2' });
    await second.destinations[0]?.send(aNotification({ state: 'resolved' }));
    // Assess
    expect(second).toBe(first);
    expect(first.destinations.map((d) => d.name)).toEqual(['smn']);
    expect(server.requests.map((r) => r.headers['x-auth-token'])).toEqual(['token-1', 'token-2']);
    expect(server.requests[0]?.path).toBe(
      `/v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/notifications/topics/${TOPIC_URN}/publish`,
    );
  });
});
