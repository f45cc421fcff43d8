import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import { RULES_REFRESH_MS, resolveRuntime, rulesFollowingRuntime } from '../../../functions/core/runtime.js';
import { awsError, s3Body } from '../support/factories.js';

const s3Mock = mockClient(S3Client);
const RULES_V1 = 'rules: [{ id: first, codes: [502], count: 1 }]';
const RULES_V2 = 'rules: [{ id: second, codes: [503], count: 1 }]';

describe('rules that follow RULES_URI', () => {
  let file: { text: string; etag: string };
  let clock: number;
  const config = parseConfig({
    STATE_BUCKET: 'example-lbwatch-state',
    ALERT_WEBHOOK_URL: 'https://hooks.example.com/x',
    RULES_URI: 's3://example-config/rules.yaml',
  });

  beforeEach(() => {
    s3Mock.reset();
    file = { text: RULES_V1, etag: '"v1"' };
    clock = 1_000_000;
    s3Mock.on(GetObjectCommand).callsFake((input: { IfNoneMatch?: string }) => {
      if (input.IfNoneMatch === file.etag) throw awsError('NotModified', 304);
      return { Body: s3Body(file.text), ETag: file.etag };
    });
  });

  function runtime(log = memoryLogger()) {
    const s3 = new S3Client({ region: 'eu-west-1', maxAttempts: 1 });
    return rulesFollowingRuntime(
      config,
      () => resolveRuntime(config, { s3 }),
      () => s3,
      log,
      () => clock,
    );
  }

  it('takes a changed file within a minute, with one conditional GET per minute otherwise', async () => {
    // Prepare
    const get = runtime();
    // Act
    const first = await get();
    clock += RULES_REFRESH_MS - 1;
    const early = await get();
    file = { text: RULES_V2, etag: '"v2"' };
    const stillEarly = await get();
    clock += 1;
    const changed = await get();
    clock += RULES_REFRESH_MS;
    const unchanged = await get();
    // Assess
    expect(first.rules.rules.map((r) => r.id)).toEqual(['first']);
    expect(early.rules.rules.map((r) => r.id)).toEqual(['first']);
    expect(stillEarly.rules.rules.map((r) => r.id)).toEqual(['first']);
    expect(changed.rules.rules.map((r) => r.id)).toEqual(['second']);
    expect(unchanged.rules.rules.map((r) => r.id)).toEqual(['second']);
    const calls = s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.IfNoneMatch ?? null);
    expect(calls).toEqual([null, null, '"v2"']);
  });

  it('keeps the rules in force when the changed file is invalid, and says why', async () => {
    // Prepare
    const log = memoryLogger();
    const get = runtime(log);
    await get();
    file = { text: 'rules: [{ id: broken, codes: [], rate: 7 }]', etag: '"bad"' };
    clock += RULES_REFRESH_MS;
    // Act
    const after = await get();
    // Assess
    expect(after.rules.rules.map((r) => r.id)).toEqual(['first']);
    const entry = log.entries.find((e) => e.message.startsWith('rules file not reloaded'));
    expect(String(entry?.extra?.error)).toContain('rules[0] (id "broken") field "codes"');
  });
});
