import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  contextCredentials,
  obsClients,
  obsSettings,
  type TemporaryCredentials,
} from '../../../functions/otc/obs-client.js';
import { isLbwatchError } from '../../../lib/errors.js';

/** A FunctionGraph context as the Node.js runtime builds it, holding the agency's temporary credentials. */
function fakeContext(credentials: { ak?: string; sk?: string; token?: string; legacy?: boolean } = {}) {
  const { ak = 'TEMPAK', sk = 'TEMPSK', token = 'TEMPTOKEN', legacy = false } = credentials;
  if (legacy) return { getAccessKey: () => ak, getSecretKey: () => sk, getRequestID: () => 'req-1' };
  return {
    getSecurityAccessKey: () => ak,
    getSecuritySecretKey: () => sk,
    getSecurityToken: () => token,
    getAccessKey: () => '',
    getSecretKey: () => '',
    getRequestID: () => 'req-1',
  };
}

function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isLbwatchError(error) ? error.code : 'not an LbwatchError';
  }
  return 'no error';
}

describe('contextCredentials', () => {
  it('takes the security AK/SK and token of the agency', () => {
    // Act
    const credentials = contextCredentials(fakeContext());
    // Assess
    expect(credentials).toEqual({ accessKeyId: 'TEMPAK', secretAccessKey: 'TEMPSK', sessionToken: 'TEMPTOKEN' });
  });

  it('falls back to the older AK/SK pair when the security methods are absent', () => {
    // Act
    const credentials = contextCredentials(fakeContext({ ak: 'OLDAK', sk: 'OLDSK', legacy: true }));
    // Assess
    expect(credentials).toEqual({ accessKeyId: 'OLDAK', secretAccessKey: 'OLDSK' });
  });

  it.each([
    ['no context', undefined],
    ['a context of a function without agency', fakeContext({ ak: '', sk: '', token: '' })],
    ['a context with a key but no secret', fakeContext({ sk: '' })],
  ])('refuses %s with CONFIG_INVALID', (_what, context) => {
    // Act / Assess
    expect(errorCode(() => contextCredentials(context))).toBe('CONFIG_INVALID');
  });
});

describe('obsSettings', () => {
  it('takes the endpoint and the region named in its host', () => {
    // Act
    const settings = obsSettings({ AWS_ENDPOINT_URL_S3: 'https://obs.eu-de.otc.t-systems.com' }, true);
    // Assess
    expect(settings).toEqual({
      endpoint: 'https://obs.eu-de.otc.t-systems.com',
      region: 'eu-de',
      forcePathStyle: true,
    });
  });

  it('prefers AWS_REGION', () => {
    // Act
    const settings = obsSettings({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', AWS_REGION: 'eu-nl' }, false);
    // Assess
    expect(settings.region).toBe('eu-nl');
  });

  it.each([
    ['no endpoint', {}],
    ['an endpoint that is no URL', { AWS_ENDPOINT_URL_S3: 'obs.eu-de' }],
    ['no region anywhere', { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' }],
  ])('refuses %s with CONFIG_INVALID', (_what, env) => {
    // Act / Assess
    expect(errorCode(() => obsSettings(env, false))).toBe('CONFIG_INVALID');
  });
});

describe('obsClients', () => {
  const settings = { endpoint: 'http://127.0.0.1:9000', region: 'eu-de', forcePathStyle: true };

  function recordingFactory() {
    const made: TemporaryCredentials[] = [];
    const create = (credentials: TemporaryCredentials): S3Client => {
      made.push(credentials);
      return { id: made.length } as unknown as S3Client;
    };
    return { made, create };
  }

  it('builds one client per credential set and reuses it', () => {
    // Prepare
    const { made, create } = recordingFactory();
    const clientFor = obsClients(settings, create);
    // Act
    const first = clientFor(fakeContext());
    const again = clientFor(fakeContext());
    const rotated = clientFor(fakeContext({ token: 'NEWTOKEN' }));
    // Assess
    expect(again).toBe(first);
    expect(rotated).not.toBe(first);
    expect(made.map((c) => c.sessionToken)).toEqual(['TEMPTOKEN', 'NEWTOKEN']);
  });

  it('keeps a bounded number of clients', () => {
    // Prepare
    const { made, create } = recordingFactory();
    const clientFor = obsClients(settings, create);
    // Act: six rotations, then the first credentials again
    for (let i = 0; i < 6; i++) clientFor(fakeContext({ token: `T${i}` }));
    clientFor(fakeContext({ token: 'T0' }));
    // Assess: T0 had been evicted, so a new client was made
    expect(made).toHaveLength(7);
  });

  it('builds real SDK clients with the context credentials, never from the environment', async () => {
    // Prepare
    const clientFor = obsClients(settings);
    // Act
    const client = clientFor(fakeContext());
    const credentials = await client.config.credentials();
    // Assess
    expect(credentials).toMatchObject({ accessKeyId: 'TEMPAK', secretAccessKey: 'TEMPSK', sessionToken: 'TEMPTOKEN' });
    expect(await client.config.region()).toBe('eu-de');
    client.destroy();
  });
});
