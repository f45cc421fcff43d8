/**
 * LTS transfer objects and the OBS trigger events that announce them, for the OTC end-to-end test
 * and the local stack: lines wrapped as an LTS JSON transfer writes them, and an OBS trigger event in
 * Huawei Cloud's shape (`obs`, `eventVersion` 3.0) with its key URL-encoded the form way, and the
 * FunctionGraph context of a function with an agency.
 */
import { LOCAL_CREDENTIALS } from './local-stack.js';

export interface LtsStream {
  logGroup: string;
  logStream: string;
  region: string;
}

/**
 * The lines as an LTS JSON transfer writes them: one object per line with the documented
 * `host_name`, `ip`, `line_no`, `message` (the raw line and its newline), `path` and `time` (ms),
 * plus the log group, stream and region tag fields.
 */
export function ltsJsonLines(lines: readonly string[], stream: LtsStream, firstTime: number): string[] {
  return lines.map((line, i) =>
    JSON.stringify({
      host_name: 'elb',
      ip: '100.125.9.31',
      line_no: i + 1,
      message: `${line}\n`,
      path: '/var/log/elb/access.log',
      time: firstTime + i,
      logGroupName: stream.logGroup,
      logStreamName: stream.logStream,
      regionName: stream.region,
    }),
  );
}

/** Lines as the text of a transferred file (one line each, a final newline). */
export function transferText(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

/** OBS trigger records carry keys URL-encoded the form way: a space becomes "+". */
export function encodedKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

/** An OBS trigger event (Huawei Cloud's shape) for one created object. */
export function obsCreatedEvent(
  bucket: string,
  object: { key: string; etag: string; size: number },
  region = 'eu-de',
): Record<string, unknown> {
  return {
    Records: [
      {
        eventVersion: '3.0',
        eventSource: 'OBS',
        eventRegion: region,
        eventTime: new Date(0).toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { ID: '28a7528d52e5417cb9a0ac2dbb59ea05' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-obs-request-id': 'lbwatch-local', 'x-obs-id-2': '' },
        obs: {
          Version: '1.0',
          configurationId: 'lbwatch-ingest',
          bucket: { name: bucket, bucket, arn: '', ownerIdentity: { ID: '28a7528d52e5417cb9a0ac2dbb59ea05' } },
          object: { key: encodedKey(object.key), eTag: object.etag, size: object.size, sequencer: '1' },
        },
      },
    ],
  };
}

/** A FunctionGraph timer trigger event firing at `ms`. */
export function timerEvent(ms: number): Record<string, unknown> {
  return {
    version: 'v1.0',
    time: new Date(ms).toISOString(),
    trigger_type: 'TIMER',
    trigger_name: 'lbwatch-check',
    user_event: '',
  };
}

/**
 * The FunctionGraph context of a function with an agency: temporary AK/SK (the local S3 server's) with a
 * security token, and an IAM token (which SMN publishes use).
 */
export function agencyContext(token: string, requestId: string) {
  return {
    getSecurityAccessKey: () => LOCAL_CREDENTIALS.accessKeyId,
    getSecuritySecretKey: () => LOCAL_CREDENTIALS.secretAccessKey,
    getSecurityToken: () => 'temporary-session-token',
    getToken: () => token,
    getRequestID: () => requestId,
  };
}
