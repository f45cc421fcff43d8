/**
 * SMN (Simple Message Notification, OTC's topic service): `POST /v2/{project_id}/notifications/topics/
 * {topic_urn}/publish` on `https://smn.<region>.otc.t-systems.com`. The body carries `subject` (the
 * email subject, at most 512 bytes), `message` (the text) and `message_structure`, a JSON string with
 * one message per protocol (`default` is required; `email`, `sms`, `http`, `https`), which SMN prefers
 * over `message`: people get the text, HTTP(S) subscribers the sanitized `Outgoing` JSON. SMN's
 * publish API has no message attributes (its `tags` only fill message templates), so subscribers
 * cannot filter on state or severity; use one topic per audience.
 *
 * Credentials never come from configuration: the function's agency provides them through the
 * FunctionGraph context, either a token (sent as `X-Auth-Token`, the header SMN documents) or
 * temporary AK/SK with a security token (the request is signed, see sign.ts).
 */
import { LbwatchError } from '../../lib/errors.js';
import type { Outgoing } from '../../lib/model.js';
import { renderSubject, renderText, sanitizeOutgoing } from '../../lib/notify/index.js';
import { parseTopicUrn } from '../core/config.js';
import type { Destination, HttpDestinationOptions } from '../destinations/destination.js';
import { signRequest } from './sign.js';

export { parseTopicUrn, type TopicUrn } from '../core/config.js';

export interface SmnCredentials {
  /** An IAM token (`context.getToken()`). */
  token?: string;
  /** Temporary AK/SK (`context.getSecurityAccessKey()`, `getSecuritySecretKey()`, `getSecurityToken()`). */
  accessKey?: string;
  secretKey?: string;
  securityToken?: string;
}

export type SmnCredentialsProvider = () => Promise<SmnCredentials>;

/** The methods of a FunctionGraph Node.js context that carry the agency's credentials. */
export interface FunctionGraphCredentialContext {
  getToken?(): string;
  getSecurityAccessKey?(): string;
  getSecuritySecretKey?(): string;
  getSecurityToken?(): string;
}

/** Reads the agency's credentials from the latest invocation's context (they rotate; never cached). */
export function contextCredentials(context: () => FunctionGraphCredentialContext): SmnCredentialsProvider {
  return async () => {
    const c = context();
    const read = (get: (() => string) | undefined): string | undefined => {
      const value = get?.call(c);
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    return {
      token: read(c.getToken),
      accessKey: read(c.getSecurityAccessKey),
      secretKey: read(c.getSecuritySecretKey),
      securityToken: read(c.getSecurityToken),
    };
  };
}

export function defaultSmnEndpoint(region: string): string {
  return `https://smn.${region}.otc.t-systems.com`;
}

/** SMN keeps messages for at most 7 days; a page older than an hour is noise. */
const TIME_TO_LIVE_S = '3600';
/** Keeps the whole body well under SMN's message size limit. */
const MAX_TEXT = 100_000;
const MAX_JSON = 120_000;

export interface SmnOptions extends HttpDestinationOptions {
  topicUrn: string;
  credentials: SmnCredentialsProvider;
  /** @default https://smn.<region of the topic URN>.otc.t-systems.com */
  endpoint?: string;
  now?: () => Date;
}

export class SmnDestination implements Destination {
  readonly name = 'smn';
  private readonly url: string;
  private readonly now: () => Date;

  constructor(private readonly options: SmnOptions) {
    const topic = parseTopicUrn(options.topicUrn);
    if (topic === null)
      throw new LbwatchError('CONFIG_INVALID', 'SMN_TOPIC_URN is not urn:smn:<region>:<project>:<name>');
    const endpoint = (options.endpoint ?? defaultSmnEndpoint(topic.region)).replace(/\/+$/, '');
    this.url = `${endpoint}/v2/${topic.projectId}/notifications/topics/${topic.urn}/publish`;
    this.now = options.now ?? (() => new Date());
  }

  async send(outgoing: Outgoing): Promise<void> {
    const safe = sanitizeOutgoing(outgoing, this.options);
    const subject = renderSubject(safe);
    const text = renderText(safe).slice(0, MAX_TEXT);
    const json = JSON.stringify(safe);
    const structure: Record<string, string> = { default: text, email: text, sms: subject };
    if (json.length <= MAX_JSON) Object.assign(structure, { http: json, https: json });
    const body = JSON.stringify({
      subject,
      message: text,
      message_structure: JSON.stringify(structure),
      time_to_live: TIME_TO_LIVE_S,
    });
    const headers = await this.authenticate(body);
    await this.options.poster.post({ destination: this.name, url: this.url, body, headers });
  }

  private async authenticate(body: string): Promise<Record<string, string>> {
    let credentials: SmnCredentials;
    try {
      credentials = await this.options.credentials();
    } catch (error) {
      throw new LbwatchError('PUBLISH_FAILED', 'SMN credentials could not be read', {
        cause: error,
        context: { destination: this.name },
      });
    }
    const contentType = { 'content-type': 'application/json;charset=UTF-8' };
    if (credentials.token !== undefined) return { ...contentType, 'x-auth-token': credentials.token };
    if (credentials.accessKey !== undefined && credentials.secretKey !== undefined) {
      return signRequest({
        method: 'POST',
        url: this.url,
        headers: contentType,
        body,
        key: {
          accessKey: credentials.accessKey,
          secretKey: credentials.secretKey,
          securityToken: credentials.securityToken,
        },
        now: this.now(),
      });
    }
    throw new LbwatchError(
      'PUBLISH_FAILED',
      'SMN: the function has no agency credentials (neither a token nor a temporary AK/SK)',
      { context: { destination: this.name } },
    );
  }
}
