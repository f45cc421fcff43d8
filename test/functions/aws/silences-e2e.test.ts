/**
 * Silences and silent logs end to end on loopback: s3rver holds the logs and the state, and three HTTP recorders
 * stand in for the generic webhook, Slack and PagerDuty. The real ingest, check and report handlers run with a
 * runtime resolved from a parsed configuration, on a driven clock; every request each destination receives is
 * counted.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createCheckHandler } from '../../../functions/aws/check/handler.js';
import { createHandler as createIngestHandler } from '../../../functions/aws/ingest/handler.js';
import { createHandler as createReportHandler } from '../../../functions/aws/report/handler.js';
import { type FunctionConfig, parseConfig } from '../../../functions/core/config.js';
import { incidentRecordKey } from '../../../functions/core/incidents.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import { once, resolveRuntime } from '../../../functions/core/runtime.js';
import { incidentId } from '../../../lib/incidents/index.js';
import { parseIncidentRecord } from '../../../lib/incidents/record.js';
import type { IncidentNotification } from '../../../lib/model.js';
import { type Recorder, startRecorder } from '../../support/recorder.js';
import { fixture } from '../support/factories.js';
import { type LocalS3, localS3Client, startS3rver } from '../support/local-stack.js';
import { albLines } from '../support/log-lines.js';

const LOG_BUCKET = 'example-elb-logs';
const STATE_BUCKET = 'example-lbwatch-state';
const WEB = 'app/web/50dc6c495c0c9188';
const API = 'app/api/7d2f1a0c3b4e5f60';
const BATCH = 'app/batch/0a1b2c3d4e5f6071';
const SHOP = 'app/shop/3c4d5e6f708192a3';
const CART = 'app/cart/4d5e6f708192a3b4';
const SEARCH = 'app/search/5e6f708192a3b4c5';
const PAY = 'app/pay/6f708192a3b4c5d6';
const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';

/**
 * A deploy silence on 2024-05-01 from 10:00 to 10:15 UTC; a weekly maintenance on Wednesdays 14:30-15:00 Berlin time
 * (12:30-13:00 UTC in May); a pause of log delivery for cart and search from 10:30 to 11:00 UTC; silent logs after 20
 * minutes, never for the bursty batch load balancer. One quiet window resolves an incident.
 */
const RULES = `
incidents: { resolveAfter: 5m }
logsMissing:
  after: 20m
  overrides:
    - { loadBalancers: ['app/batch/*'], after: off }
silences:
  - id: deploy-2024-05-01
    loadBalancers: ['app/*']
    from: '2024-05-01T10:00:00Z'
    to: '2024-05-01T10:15:00Z'
    reason: planned deploy
  - id: weekly-maintenance
    loadBalancers: ['app/batch/*']
    schedule: Wed 14:30-15:00
    timeZone: Europe/Berlin
    reason: weekly batch maintenance
  - id: log-bucket-migration
    loadBalancers: ['app/cart/*', 'app/search/*']
    rules: [logs-missing]
    from: '2024-05-01T10:30:00Z'
    to: '2024-05-01T11:00:00Z'
    reason: log delivery paused for a bucket migration
`;

let clock = 0;
const at = (time: string): number => Date.parse(`2024-05-01T${time}Z`);

interface Destinations {
  webhook: Recorder;
  slack: Recorder;
  pagerduty: Recorder;
}

/** Request counts per destination, in the order webhook, Slack, PagerDuty. */
function counts(d: Destinations): number[] {
  return [d.webhook.requests.length, d.slack.requests.length, d.pagerduty.requests.length];
}

interface SlackBody {
  text: string;
  blocks: unknown[];
}

interface PagerDutyBody {
  routing_key: string;
  event_action: string;
  dedup_key: string;
  payload?: { summary: string; source: string; severity: string; class: string };
}

describe('silences and logs-missing end to end (s3rver + HTTP recorders on loopback)', () => {
  let s3Server: LocalS3;
  let s3: S3Client;
  let destinations: Destinations | null = null;

  beforeAll(async () => {
    s3Server = await startS3rver([LOG_BUCKET, STATE_BUCKET]);
    s3 = localS3Client(s3Server.endpoint);
  });

  afterAll(async () => {
    s3?.destroy();
    await s3Server?.stop();
  });

  afterEach(async () => {
    if (destinations !== null) {
      await Promise.all([destinations.webhook.close(), destinations.slack.close(), destinations.pagerduty.close()]);
      destinations = null;
    }
  });

  async function startDestinations(): Promise<Destinations> {
    const options = { maxRequests: 20, lifetimeMs: 120_000 };
    destinations = {
      webhook: await startRecorder([], options),
      slack: await startRecorder([{ body: 'ok', headers: { 'content-type': 'text/plain' } }], options),
      pagerduty: await startRecorder([{ status: 202, body: '{"status":"success"}' }], options),
    };
    return destinations;
  }

  /** Configuration as a deployment sets it, every destination on a recorder; each scenario has its own state prefix. */
  function configFor(d: Destinations, statePrefix: string, extra: Record<string, string> = {}): FunctionConfig {
    return parseConfig({
      STATE_BUCKET,
      STATE_PREFIX: statePrefix,
      S3_FORCE_PATH_STYLE: 'true',
      RULES,
      ALERT_WEBHOOK_URL: `${d.webhook.origin}/hooks/lbwatch`,
      SLACK_WEBHOOK_URL: `${d.slack.origin}/services/T0000/B0000/XXXXXXXX`,
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      PAGERDUTY_EVENTS_URL: `${d.pagerduty.origin}/v2/enqueue`,
      ...extra,
    });
  }

  function handlers(config: FunctionConfig) {
    const deps = {
      config,
      s3,
      log: memoryLogger(),
      now: () => clock,
      // One attempt: a failed delivery fails the test instead of showing up as an extra request.
      runtime: once(() => resolveRuntime(config, { s3, http: { attempts: 1, timeoutMs: 5000 } })),
    };
    const ingest = createIngestHandler(deps);
    const check = createCheckHandler(deps);
    return {
      deps,
      check: (time: string) => {
        clock = at(time);
        return check({});
      },
      /**
       * Delivers one load balancer's object for the 5-minute window starting at `window` (`ok` good requests and
       * `errors` LB-generated 502s), arriving at `arrival`.
       */
      deliver: async (
        loadBalancer: string,
        window: string,
        arrival: string,
        load: { ok: number; errors?: number },
      ): Promise<string> => {
        const from = new Date(at(window));
        const to = new Date(at(window) + 299_000);
        const spec = { loadBalancer, target: '10.0.1.7:8080' };
        const text = [
          ...albLines(load.ok, from, to, { ...spec, elbStatus: 200, targetStatus: 200 }),
          ...albLines(load.errors ?? 0, from, to, { ...spec, elbStatus: 502, targetStatus: null }),
        ].join('\n');
        const stamp = new Date(at(window) + 300_000).toISOString().replace(/[-:]/g, '').slice(0, 13);
        const key = `AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2024/05/01/123456789012_elasticloadbalancing_eu-west-1_${loadBalancer.replace(/\//g, '.')}_${stamp}Z_10.0.0.11_${config.statePrefix.replace('/', '')}${arrival.replace(/:/g, '')}.log`;
        const put = await s3.send(new PutObjectCommand({ Bucket: LOG_BUCKET, Key: key, Body: text }));
        clock = at(arrival);
        const result = await ingest({
          Records: [
            {
              eventVersion: '2.1',
              eventSource: 'aws:s3',
              awsRegion: 'us-east-1',
              eventTime: new Date(clock).toISOString(),
              eventName: 'ObjectCreated:Put',
              s3: {
                bucket: { name: LOG_BUCKET },
                object: { key, size: text.length, eTag: (put.ETag ?? '').replace(/"/g, ''), sequencer: '00' },
              },
            },
          ],
        });
        expect(result).toMatchObject({ objects: [{ status: 'processed' }] });
        return key;
      },
    };
  }

  async function readState(key: string): Promise<string | null> {
    try {
      const response = await s3.send(new GetObjectCommand({ Bucket: STATE_BUCKET, Key: key }));
      return (await response.Body?.transformToString('utf-8')) ?? null;
    } catch {
      return null;
    }
  }

  function webhookPage(recorder: Recorder, index: number): IncidentNotification {
    return recorder.json(index) as IncidentNotification;
  }

  it('records a fully silenced incident without a page, and pages one that fires past its silence when it does', async () => {
    // Prepare
    const d = await startDestinations();
    const config = configFor(d, 'fixed/');
    const { check, deliver } = handlers(config);
    const apiId = incidentId(API, 'gateway-errors', at('10:10:00'));
    const webId = incidentId(WEB, 'gateway-errors', at('10:00:00'));

    // Act: web fails in 10:00 only (inside the silence); api fails in 10:10 (inside) and 10:15 (after its end)
    await deliver(WEB, '10:00:00', '10:07:00', { ok: 60, errors: 30 });
    await deliver(WEB, '10:05:00', '10:12:00', { ok: 80 });
    await deliver(WEB, '10:10:00', '10:17:00', { ok: 80 });
    await deliver(API, '10:10:00', '10:17:10', { ok: 60, errors: 30 });
    const insideSilence = counts(d);
    await deliver(WEB, '10:15:00', '10:22:00', { ok: 80 });
    await deliver(API, '10:15:00', '10:22:10', { ok: 60, errors: 20 });
    const afterSilence = counts(d);
    // 10:26: web's quiet 10:05 window has closed, its silenced incident resolves
    const firstCheck = await check('10:26:00');
    await deliver(WEB, '10:20:00', '10:27:00', { ok: 80 });
    await deliver(API, '10:20:00', '10:27:10', { ok: 80 });
    const apiStillOpen = counts(d);
    // 10:36: api's quiet 10:20 window has closed
    const secondCheck = await check('10:36:00');
    const thirdCheck = await check('10:37:00');
    const webRecord = parseIncidentRecord(
      (await readState(incidentRecordKey(config.statePrefix, WEB, 'gateway-errors'))) ?? '',
    );

    // Assess: nothing left while every firing window was silenced; opened once each when api fired past the silence
    expect(insideSilence).toEqual([0, 0, 0]);
    expect(afterSilence).toEqual([1, 1, 1]);
    expect(firstCheck.pages).toEqual([]);
    expect(apiStillOpen).toEqual([1, 1, 1]);
    expect(secondCheck.pages.map((p) => `${p.state} ${p.loadBalancer} ${p.outcome}`)).toEqual([`resolved ${API} sent`]);
    expect(thirdCheck.pages).toEqual([]);
    expect(secondCheck.silent).toEqual([]);
    expect(counts(d)).toEqual([2, 2, 2]);

    // The silenced incident is recorded (resolved, no page) under its own id
    expect(webRecord?.current).toMatchObject({
      id: webId,
      start: at('10:00:00'),
      resolvedAt: at('10:10:00'),
      pages: [],
    });
    expect(webRecord?.current?.verdicts[String(at('10:00:00'))]?.silenced).toBe(true);

    // Webhook: the sanitized notification, opened then resolved, for the incident that started inside the silence
    const opened = webhookPage(d.webhook, 0);
    const resolved = webhookPage(d.webhook, 1);
    expect([opened.state, resolved.state]).toEqual(['opened', 'resolved']);
    expect([opened.incidentId, resolved.incidentId]).toEqual([apiId, apiId]);
    expect(opened.incident).toMatchObject({
      loadBalancer: API,
      rule: 'gateway-errors',
      start: '2024-05-01T10:10:00.000Z',
      end: null,
      windows: 2,
      silenced: false,
    });
    expect(resolved.incident).toMatchObject({ end: '2024-05-01T10:20:00.000Z', statusCodes: { '502': 50 } });
    expect(d.webhook.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /hooks/lbwatch',
      'POST /hooks/lbwatch',
    ]);

    // Slack: one Block Kit message per page, headline naming the incident
    const slackOpened = d.slack.json(0) as SlackBody;
    const slackResolved = d.slack.json(1) as SlackBody;
    expect(slackOpened.text).toBe(`:red_circle: Incident opened: 502 on ${API} since 2024-05-01T10:10:00.000Z`);
    expect(slackResolved.text).toBe(
      `:large_green_circle: Incident resolved: 502 on ${API} since 2024-05-01T10:10:00.000Z`,
    );
    expect(slackOpened.blocks.length).toBeGreaterThan(1);
    expect(JSON.stringify([slackOpened, slackResolved])).not.toContain(WEB);

    // PagerDuty: trigger then resolve, both keyed by the incident id
    const trigger = d.pagerduty.json(0) as PagerDutyBody;
    const resolve = d.pagerduty.json(1) as PagerDutyBody;
    expect(trigger).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: apiId,
      payload: { source: API, severity: 'critical', class: 'status codes' },
    });
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: apiId });

    // Report of 10:00-11:00: both incidents, the first marked silenced
    const report = createReportHandler(handlers(configFor(d, 'fixed/', { REPORT_PERIOD: '1h' })).deps);
    clock = at('11:10:00');
    const written = await report({
      ...fixture<Record<string, unknown>>('scheduled-event.json'),
      time: '2024-05-01T11:10:00Z',
    });
    const json = JSON.parse((await readState('fixed/reports/2024-05-01T11:00:00.000Z/report.json')) ?? '{}') as {
      overall?: { incidents?: { id: string | null; loadBalancer: string; silenced: boolean }[] };
    };
    const markdown = (await readState('fixed/reports/2024-05-01T11:00:00.000Z/report.md')) ?? '';
    expect(written).toMatchObject({ incidents: 2, announced: true });
    expect(json.overall?.incidents?.map((i) => `${i.loadBalancer} ${i.id} ${i.silenced}`).sort()).toEqual(
      [`${API} ${apiId} false`, `${WEB} ${webId} true`].sort(),
    );
    expect(markdown.match(/, silenced\)/g)).toHaveLength(1);
    // The announcement goes to the webhook and Slack; PagerDuty takes pages only
    expect(counts(d)).toEqual([3, 3, 2]);
    expect(d.webhook.json(2)).toMatchObject({ kind: 'report' });
  });

  it('honours a weekly silence in its own time zone', async () => {
    // Prepare: Wednesday 14:30-15:00 in Berlin is 12:30-13:00 UTC
    const d = await startDestinations();
    const config = configFor(d, 'weekly/');
    const { check, deliver } = handlers(config);
    const loudId = incidentId(BATCH, 'gateway-errors', at('14:30:00'));

    // Act: a failing window at 12:30 UTC (inside), then one at 14:30 UTC (14:30 is inside only if read as UTC)
    await deliver(BATCH, '12:30:00', '12:37:00', { ok: 60, errors: 30 });
    await deliver(BATCH, '12:35:00', '12:42:00', { ok: 80 });
    const silencedCheck = await check('12:56:00');
    // 13:40: an hour without batch logs; logs-missing is off for this load balancer
    const idleCheck = await check('13:40:00');
    const beforeLoud = counts(d);
    await deliver(BATCH, '14:30:00', '14:37:00', { ok: 60, errors: 30 });
    await deliver(BATCH, '14:35:00', '14:42:00', { ok: 80 });
    const loudCheck = await check('14:51:00');
    const silencedRecordBefore = silencedCheck.pages;

    // Assess
    expect(silencedRecordBefore).toEqual([]);
    expect(idleCheck).toMatchObject({ silent: [], pages: [] });
    expect(beforeLoud).toEqual([0, 0, 0]);
    expect(loudCheck.pages.map((p) => p.state)).toEqual(['resolved']);
    expect(counts(d)).toEqual([2, 2, 2]);
    expect([webhookPage(d.webhook, 0).state, webhookPage(d.webhook, 1).state]).toEqual(['opened', 'resolved']);
    expect(webhookPage(d.webhook, 0).incidentId).toBe(loudId);
    expect(d.pagerduty.requests.map((r) => (JSON.parse(r.body) as PagerDutyBody).event_action)).toEqual([
      'trigger',
      'resolve',
    ]);
    expect(d.pagerduty.requests.map((r) => (JSON.parse(r.body) as PagerDutyBody).dedup_key)).toEqual([loudId, loudId]);
  });

  it('opens logs-missing once when a load balancer goes silent past its allowance, and resolves it when logs return', async () => {
    // Prepare
    const d = await startDestinations();
    const config = configFor(d, 'missing/');
    const { check, deliver } = handlers(config);

    // Act: objects every 5 minutes until 10:17, then a late one at 10:42 (25 minutes of silence: longer than
    // recording the arrival only every 15 minutes explains, so it is learnt as the interval)
    await deliver(SHOP, '10:00:00', '10:07:00', { ok: 50 });
    await deliver(SHOP, '10:05:00', '10:12:00', { ok: 50 });
    await deliver(SHOP, '10:10:00', '10:17:00', { ok: 50 });
    const withinAllowance = await check('10:36:00');
    const lateKey = await deliver(SHOP, '10:15:00', '10:42:00', { ok: 50 });
    // 24 minutes after the late object: past 20m, but under 1.5x the 25-minute interval just seen
    const withinInterval = await check('11:06:00');
    const quiet = counts(d);
    // 38 minutes: logs are missing
    const missing = await check('11:20:00');
    const afterOpen = counts(d);
    const stillMissing = await check('11:25:00');
    const afterRepeat = counts(d);
    await deliver(SHOP, '11:15:00', '11:27:00', { ok: 50 });
    const afterReturn = counts(d);
    const calm = await check('11:32:00');
    const id = incidentId(SHOP, 'logs-missing', at('10:42:00'));

    // Assess: nothing within the allowance
    expect(withinAllowance).toMatchObject({ loadBalancers: 1, silent: [], pages: [] });
    expect(withinInterval).toMatchObject({ silent: [], pages: [] });
    expect(quiet).toEqual([0, 0, 0]);
    // One opened page on each destination, not repeated by the next check
    expect(missing.silent).toEqual([SHOP]);
    expect(missing.pages.map((p) => `${p.state} ${p.rule} ${p.incidentId}`)).toEqual([`opened logs-missing ${id}`]);
    expect(afterOpen).toEqual([1, 1, 1]);
    expect(stillMissing).toMatchObject({ silent: [SHOP], pages: [] });
    expect(afterRepeat).toEqual([1, 1, 1]);
    // Logs again: one resolved page each, and no more
    expect(afterReturn).toEqual([2, 2, 2]);
    expect(calm).toMatchObject({ silent: [], pages: [] });
    expect(counts(d)).toEqual([2, 2, 2]);

    const opened = webhookPage(d.webhook, 0);
    expect(opened).toMatchObject({
      kind: 'incident',
      state: 'opened',
      incidentId: id,
      incident: {
        rule: 'logs-missing',
        loadBalancer: SHOP,
        severity: 'warning',
        logsMissing: { lastSeen: '2024-05-01T10:42:00.000Z', lastObjectKey: lateKey },
      },
    });
    expect(webhookPage(d.webhook, 1)).toMatchObject({
      state: 'resolved',
      incidentId: id,
      incident: { end: '2024-05-01T11:27:00.000Z' },
    });

    const slackOpened = d.slack.json(0) as SlackBody;
    expect(slackOpened.text).toBe(`:red_circle: No access logs from ${SHOP} since 2024-05-01T10:42:00.000Z`);
    expect(JSON.stringify(slackOpened.blocks)).toContain(lateKey);
    expect((d.slack.json(1) as SlackBody).text).toBe(
      `:large_green_circle: Access logs from ${SHOP} arrive again (missing since 2024-05-01T10:42:00.000Z)`,
    );

    const trigger = d.pagerduty.json(0) as PagerDutyBody;
    expect(trigger).toMatchObject({
      event_action: 'trigger',
      dedup_key: id,
      payload: { source: SHOP, severity: 'warning', class: 'logs missing' },
    });
    expect(trigger.payload?.summary).toContain(`No access logs from ${SHOP} since 2024-05-01T10:42:00.000Z`);
    expect(d.pagerduty.json(1)).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: id });
  });

  it('pages a logs-missing incident opened inside its silence once the silence ends, and never one that ends inside', async () => {
    // Prepare
    const d = await startDestinations();
    const config = configFor(d, 'migration/');
    const { check, deliver } = handlers(config);
    const cartId = incidentId(CART, 'logs-missing', at('10:17:00'));
    const searchId = incidentId(SEARCH, 'logs-missing', at('10:17:10'));

    // Act: both deliver until 10:17; search's logs come back at 10:55 (inside the silence), cart's at 11:12
    for (const [window, arrival] of [
      ['10:00:00', '10:07:00'],
      ['10:05:00', '10:12:00'],
      ['10:10:00', '10:17:00'],
    ] as const) {
      await deliver(CART, window, arrival, { ok: 50 });
      await deliver(SEARCH, window, arrival.replace(/00$/, '10'), { ok: 50 });
    }
    const inSilence = await check('10:40:00');
    const searchKey = await deliver(SEARCH, '10:50:00', '10:55:00', { ok: 50 });
    const beforeEnd = counts(d);
    const pastSilence = await check('11:05:00');
    const afterEnd = counts(d);
    const again = await check('11:10:00');
    await deliver(CART, '11:05:00', '11:12:00', { ok: 50 });
    const searchRecord = parseIncidentRecord(
      (await readState(incidentRecordKey(config.statePrefix, SEARCH, 'logs-missing'))) ?? '',
    );

    // Assess: both opened silently inside the silence; search resolved there and never paged
    expect(inSilence).toMatchObject({ silent: [CART, SEARCH], pages: [] });
    expect(beforeEnd).toEqual([0, 0, 0]);
    expect(searchRecord?.current).toMatchObject({ id: searchId, resolvedAt: at('10:55:00'), pages: [] });
    expect(searchKey).not.toBe('');
    // cart is still missing after the silence: opened once then, resolved once when its logs return
    expect(pastSilence.silent).toEqual([CART]);
    expect(pastSilence.pages.map((p) => `${p.state} ${p.incidentId}`)).toEqual([`opened ${cartId}`]);
    expect(afterEnd).toEqual([1, 1, 1]);
    expect(again.pages).toEqual([]);
    expect(counts(d)).toEqual([2, 2, 2]);
    expect([webhookPage(d.webhook, 0).state, webhookPage(d.webhook, 1).state]).toEqual(['opened', 'resolved']);
    expect(webhookPage(d.webhook, 0).incident).toMatchObject({ loadBalancer: CART, silenced: false });
    expect(d.pagerduty.requests.map((r) => JSON.parse(r.body) as PagerDutyBody)).toMatchObject([
      { event_action: 'trigger', dedup_key: cartId },
      { event_action: 'resolve', dedup_key: cartId },
    ]);
  });

  it('does not take an outage for the delivery interval: logs missing again after a return page after the usual allowance', async () => {
    // Prepare
    const d = await startDestinations();
    const config = configFor(d, 'relapse/');
    const { check, deliver } = handlers(config);

    // Act: every 5 minutes until 10:17, missing at 10:40, back at 11:20 (a 63-minute gap), then silent again
    await deliver(PAY, '10:00:00', '10:07:00', { ok: 50 });
    await deliver(PAY, '10:05:00', '10:12:00', { ok: 50 });
    await deliver(PAY, '10:10:00', '10:17:00', { ok: 50 });
    const first = await check('10:40:00');
    await deliver(PAY, '11:10:00', '11:20:00', { ok: 50 });
    // 25 minutes after the return: past the 20-minute allowance (1.5 x the 5-minute interval is less)
    const second = await check('11:45:00');

    // Assess: two incidents, each opened once; the first resolved once
    const secondId = incidentId(PAY, 'logs-missing', at('11:20:00'));
    expect(first.pages.map((p) => p.state)).toEqual(['opened']);
    expect(second).toMatchObject({ silent: [PAY], pages: [{ state: 'opened', incidentId: secondId }] });
    expect(counts(d)).toEqual([3, 3, 3]);
    expect(d.pagerduty.requests.map((r) => (JSON.parse(r.body) as PagerDutyBody).event_action)).toEqual([
      'trigger',
      'resolve',
      'trigger',
    ]);
  });
});
