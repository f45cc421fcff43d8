import { afterEach, describe, expect, it } from 'vitest';
import { HttpPoster, retryAfterMs } from '../../../functions/destinations/http.js';
import { type Recorder, startRecorder } from '../../support/recorder.js';

const recorders: Recorder[] = [];
async function recorder(...args: Parameters<typeof startRecorder>): Promise<Recorder> {
  const started = await startRecorder(...args);
  recorders.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(recorders.splice(0).map((r) => r.close()));
});

function poster(options: ConstructorParameters<typeof HttpPoster>[0] = {}): { poster: HttpPoster; waits: number[] } {
  const waits: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    waits.push(ms);
  };
  return { poster: new HttpPoster({ sleep, ...options }), waits };
}

const body = JSON.stringify({ hello: 'world' });

describe('HttpPoster', () => {
  it('POSTs the JSON body with its headers', async () => {
    // Prepare
    const server = await recorder([{ status: 202 }]);
    const { poster: http } = poster();
    // Act
    await http.post({ destination: 'test', url: `${server.origin}/hook/T0/secret`, body, headers: { 'x-extra': '1' } });
    // Assess
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/hook/T0/secret', body });
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(server.requests[0]?.headers['x-extra']).toBe('1');
  });

  it('retries 500 and 429 with backoff, then succeeds', async () => {
    const server = await recorder([{ status: 500 }, { status: 429 }, { status: 200 }]);
    const { poster: http, waits } = poster();
    await http.post({ destination: 'test', url: `${server.origin}/x`, body });
    expect(server.requests).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(125);
    expect(waits[0]).toBeLessThanOrEqual(250);
    expect(waits[1]).toBeGreaterThanOrEqual(250);
    expect(waits[1]).toBeLessThanOrEqual(500);
  });

  it('honours Retry-After within its bound', async () => {
    const server = await recorder([
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 503, headers: { 'retry-after': '3600' } },
      { status: 204 },
    ]);
    const { poster: http, waits } = poster({ maxRetryAfterMs: 5000 });
    await http.post({ destination: 'test', url: `${server.origin}/x`, body });
    expect(waits).toEqual([2000, 5000]);
  });

  it('fails at once on another 4xx, naming the destination and host but not the path', async () => {
    // Prepare
    const server = await recorder([{ status: 400 }, { status: 200 }]);
    const { poster: http, waits } = poster();
    // Act
    const sent = http.post({ destination: 'slack', url: `${server.origin}/services/T0/B0/secret-token`, body });
    // Assess
    await expect(sent).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
      context: { destination: 'slack', host: server.origin.slice('http://'.length), status: 400 },
    });
    await expect(sent).rejects.not.toThrow(/secret-token/);
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('gives up after the attempts with PUBLISH_FAILED', async () => {
    const server = await recorder([{ status: 502 }]);
    const { poster: http } = poster();
    await expect(http.post({ destination: 'test', url: `${server.origin}/x`, body })).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
      context: { status: 502 },
    });
    expect(server.requests).toHaveLength(3);
  });

  it('times out a slow answer and retries it', async () => {
    // A generous timeout: on a loaded machine the connection itself must fit in it.
    const server = await recorder([{ delayMs: 8000 }, { status: 200 }]);
    const { poster: http } = poster({ timeoutMs: 500 });
    const started = Date.now();
    await http.post({ destination: 'test', url: `${server.origin}/x`, body });
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('fails after timeouts with the timeout named', async () => {
    const server = await recorder([{ delayMs: 8000 }]);
    const { poster: http } = poster({ timeoutMs: 500, attempts: 2 });
    await expect(http.post({ destination: 'test', url: `${server.origin}/x`, body })).rejects.toThrow(/TimeoutError/);
    expect(server.requests).toHaveLength(2);
  });

  it('retries network errors', async () => {
    // Prepare: a port nothing listens on any more.
    const gone = await startRecorder();
    await gone.close();
    const { poster: http, waits } = poster();
    // Act / Assess
    await expect(http.post({ destination: 'test', url: `${gone.origin}/x`, body })).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
      context: { status: null },
    });
    expect(waits).toHaveLength(2);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('2015-10-21T07:28:00Z'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });
});
