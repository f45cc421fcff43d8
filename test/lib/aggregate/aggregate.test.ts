import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  countAtLeast,
  createAggregator,
  createWindowMerger,
  mergeAll,
  mergeWindows,
  OTHER_KEY,
  parseWindow,
  selectTop,
  serializeWindow,
  type WindowAggregate,
} from '../../../lib/aggregate/index.js';
import { isLbwatchError } from '../../../lib/errors.js';
import type { LogRecord } from '../../../lib/formats/record.js';
import { createLogScanner } from '../../../lib/input/scanner.js';
import { LB, otcNoConnection, otcNoHeader, otcRecord, repeat, T0 } from './factories.js';

const FIVE_MIN = 300_000;

function aggregate(records: readonly LogRecord[], windowMs = FIVE_MIN, maxKeys?: number): WindowAggregate[] {
  const agg = createAggregator(maxKeys === undefined ? { windowMs } : { windowMs, maxKeys });
  for (const r of records) agg.add(r);
  return agg.windows();
}

describe('window assignment', () => {
  it('puts x:04:59.999 and x:05:00.000 in adjacent windows aligned to the epoch', () => {
    // Prepare
    const records = [otcRecord({ time: T0 + FIVE_MIN - 1 }), otcRecord({ time: T0 + FIVE_MIN })];
    // Act
    const windows = aggregate(records);
    // Assess
    expect(windows.map((w) => [w.start, w.requests])).toEqual([
      [T0, 1],
      [T0 + FIVE_MIN, 1],
    ]);
  });

  it('assigns an OTC line logged at 18:04:59+08:00 by its msec, to the 10:00Z window', () => {
    // Prepare: msec 1772359499.900 is 2026-03-01T10:04:59.900Z, whatever the node's local offset says
    const record = otcRecord({ time: 1_772_359_499_900 });
    // Act
    const [w] = aggregate([record]);
    // Assess
    expect(new Date(w?.start ?? 0).toISOString()).toBe('2026-03-01T10:00:00.000Z');
  });

  it('windows a parsed OTC line logged at +08:00 by its msec (UTC), not by its local time', () => {
    // Prepare: the OTC documentation's Swiss example line, msec 1644819836.370 = 2022-02-14T06:23:56.370Z
    const line =
      '1644819836.370 eb11c5a9-93a7-4c48-80fc-03f61f638595 [2022-02-14T14:23:56+08:00] elb_01 192.168.1.1:888 200 "POST https://www.test.com/example/HTTP/1.1" 1411 251 3 0.011 "200" "0.000" "0.011" "0.011" "100.64.0.129:8080" "okhttp/3.13.1" "-" "-" loadbalancer_295a7eee-9999-46ed-9fad-32a62ff0a687 listener_20679192-8888-4e62-a814-a2f870f62148 3333fd44fe3b42cbaa1dc2c641994d90 pool_89547549-6666-446e-9dbc-e3a551034c46 "-" f2bc165ad9b4483a9b17762da851bbbb 121.64.212.1:443 "10.1.1.2:8080" - TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 www.test.com 56704 -\n';
    const agg = createAggregator({ windowMs: FIVE_MIN });
    const scanner = createLogScanner({ name: 'swiss.log' }, agg.add);
    // Act
    scanner.push(Buffer.from(line));
    scanner.end();
    // Assess
    const [w] = agg.windows();
    expect(new Date(w?.start ?? 0).toISOString()).toBe('2022-02-14T06:20:00.000Z');
    expect(w?.firstTime).toBe(1_644_819_836_370);
  });

  it('counts late and out-of-order records in their own windows, also after a later window was seen', () => {
    // Prepare
    const records = [
      otcRecord({ time: T0 + 2 * FIVE_MIN + 5 }),
      otcRecord({ time: T0 + 10 }),
      otcRecord({ time: T0 + 2 * FIVE_MIN + 1 }),
      otcRecord({ time: T0 + 20, status: 502, generatedBy: 'lb' }),
    ];
    // Act
    const windows = aggregate(records);
    // Assess
    expect(
      windows.map((w) => ({ start: w.start, requests: w.requests, first: w.firstTime, last: w.lastTime })),
    ).toEqual([
      { start: T0, requests: 2, first: T0 + 10, last: T0 + 20 },
      { start: T0 + 2 * FIVE_MIN, requests: 2, first: T0 + 2 * FIVE_MIN + 1, last: T0 + 2 * FIVE_MIN + 5 },
    ]);
  });

  it('keeps load balancers apart in the same window, sorted by start then name', () => {
    // Prepare
    const records = [otcRecord({ loadBalancer: 'b-lb' }), otcRecord({ loadBalancer: 'a-lb' }), otcRecord()];
    // Act
    const windows = aggregate(records);
    // Assess
    expect(windows.map((w) => w.loadBalancer)).toEqual(['a-lb', 'b-lb', LB]);
  });

  it('supports 1-minute and 1-hour windows and rejects lengths outside 1 min..1 h', () => {
    // Prepare
    const records = [otcRecord({ time: T0 + 59_999 }), otcRecord({ time: T0 + 60_000 })];
    // Act + Assess
    expect(aggregate(records, 60_000)).toHaveLength(2);
    expect(aggregate(records, 3_600_000)).toHaveLength(1);
    expect(() => createAggregator({ windowMs: 30_000 })).toThrow(RangeError);
    expect(() => createAggregator({ windowMs: 7_200_000 })).toThrow(RangeError);
  });
});

describe('window contents', () => {
  it('splits codes by who generated them and counts records without status apart', () => {
    // Prepare
    const records = [
      otcRecord(),
      otcRecord({ status: 500, backendStatus: 500 }),
      otcNoConnection(502, 0.002),
      otcRecord({ status: null, generatedBy: null, format: 'clb' }),
    ];
    // Act
    const [w] = aggregate(records);
    // Assess
    expect(w?.requests).toBe(3);
    expect(w?.withoutStatus).toBe(1);
    expect({ ...w?.statusCodes }).toEqual({ 200: 1, 500: 1, 502: 1 });
    expect({ ...w?.lbGenerated }).toEqual({ 502: 1 });
  });

  it('records the timing evidence per code: no connection, connected without header, with header', () => {
    // Prepare
    const records = [
      otcNoConnection(504, 5.001),
      otcNoHeader(504, 300.002),
      otcRecord({ status: 504, backendStatus: 504, headerTime: 0.5, requestTime: 0.5 }),
    ];
    // Act
    const c = aggregate(records)[0]?.codes[504];
    // Assess
    expect([c?.count, c?.lb, c?.noConnection, c?.connectedNoHeader, c?.withHeader]).toEqual([3, 2, 1, 1, 1]);
    expect(countAtLeast(c?.requestTimeNoConnection ?? {}, 4_500)).toBe(1);
    expect(countAtLeast(c?.requestTimeConnectedNoHeader ?? {}, 270_000)).toBe(1);
  });

  it('keeps per-member stats: requests, answered, ok, errors per code, no-connection failures', () => {
    // Prepare
    const records = [
      otcRecord(),
      otcNoConnection(502, 0.001, { member: '10.0.3.22:8080' }),
      otcRecord({ status: 404, backendStatus: 404 }),
    ];
    // Act
    const [w] = aggregate(records);
    // Assess
    expect(w?.members['10.0.3.21:8080']).toMatchObject({ requests: 2, answered: 2, ok: 1, noConnection: 0 });
    expect({ ...w?.members['10.0.3.21:8080']?.errors }).toEqual({ 404: 1 });
    expect(w?.members['10.0.3.22:8080']).toMatchObject({ requests: 1, answered: 0, ok: 0, noConnection: 1 });
  });

  it('counts malformed request lines and plain HTTP on the HTTPS port', () => {
    // Prepare
    const records = [
      otcRecord({ status: 400, generatedBy: 'lb', requestLineMalformed: true, method: null, path: null }),
      otcRecord({ status: 400, generatedBy: 'lb', scheme: 'http', frontendPort: 443 }),
      otcRecord({ scheme: 'http', frontendPort: 80 }),
    ];
    // Act
    const [w] = aggregate(records);
    // Assess
    expect([w?.malformed, w?.plainHttpOnTlsPort]).toEqual([1, 1]);
    expect([w?.codes[400]?.malformed, w?.codes[400]?.plainHttpOnTlsPort]).toEqual([1, 1]);
  });

  it('bounds top-N maps, keeps the heaviest keys and folds the rest into (other) with exact totals', () => {
    // Prepare: 10 members with 1..10 errors each, cap 3
    const records = repeat(10, (m) =>
      repeat(m + 1, () => otcNoConnection(502, 0.001, { member: `10.0.0.${m}:80` })),
    ).flat();
    // Act
    const [w] = aggregate(records, FIVE_MIN, 3);
    // Assess
    const members = w?.members ?? {};
    expect(Object.keys(members).sort()).toEqual([OTHER_KEY, '10.0.0.7:80', '10.0.0.8:80', '10.0.0.9:80']);
    expect(members[OTHER_KEY]?.requests).toBe(55 - 8 - 9 - 10);
    expect(w?.codes[502]?.members[OTHER_KEY]?.[0]).toBe(55 - 27);
  });

  it('stays bounded while aggregating many distinct keys, with exact totals', () => {
    // Prepare: 10,000 requests over 500 paths and 300 members, cap 4
    const records = repeat(10_000, (i) =>
      otcRecord({ path: `/p/${i % 500}`, member: `10.0.${i % 300}.1:80`, status: i % 10 === 0 ? 500 : 200 }),
    );
    // Act
    const [w] = aggregate(records, FIVE_MIN, 4);
    // Assess
    const paths = Object.values(w?.hostPaths ?? {});
    expect(paths).toHaveLength(5);
    expect(paths.reduce((s, p) => s + p[0], 0)).toBe(10_000);
    expect(paths.reduce((s, p) => s + p[1], 0)).toBe(9_000);
    expect(Object.values(w?.members ?? {}).reduce((s, m) => s + m.requests, 0)).toBe(10_000);
    expect(Object.keys(w?.codes[500]?.hostPaths ?? {})).toHaveLength(5);
  });

  it('keeps heavy paths exact among thousands seen once, however often the staged paths are bounded', () => {
    // Prepare: 30,000 requests; every third goes to one of 5 heavy paths, the rest to a path seen once (ids)
    const heavy = ['/a', '/b', '/c', '/d', '/e'];
    const records = repeat(30_000, (i) =>
      otcRecord({ path: i % 3 === 0 ? (heavy[(i / 3) % 5] as string) : `/item/${i}`, status: i % 7 === 0 ? 404 : 200 }),
    );
    const expected = new Map<string, [number, number]>();
    for (const r of records) {
      const key = `${r.host}${r.path}`;
      const e = expected.get(key) ?? [0, 0];
      e[0]++;
      if ((r.status as number) < 400) e[1]++;
      expected.set(key, e);
    }
    // Act
    const [w] = aggregate(records, FIVE_MIN, 8);
    // Assess: the heavy paths keep their exact counts, 3 of the others by key order, the rest in (other)
    const hostPaths = w?.hostPaths ?? {};
    for (const path of heavy)
      expect(hostPaths[`www.example.com${path}`]).toEqual(expected.get(`www.example.com${path}`));
    expect(Object.keys(hostPaths)).toHaveLength(9);
    const values = Object.values(hostPaths);
    expect(values.reduce((s, p) => s + p[0], 0)).toBe(30_000);
    expect(values.reduce((s, p) => s + p[1], 0)).toBe(records.filter((r) => (r.status as number) < 400).length);
  });

  it('selectTop returns exactly the first items of a full sort, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.string({ maxLength: 3 }))),
        fc.integer({ min: 0, max: 12 }),
        (items, count) => {
          // Prepare: many ties, as bounded maps have
          const order = (a: (typeof items)[number], b: (typeof items)[number]): number =>
            b[0] - a[0] || b[1] - a[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
          const expected = items.slice().sort(order).slice(0, count);
          // Act / Assess
          expect(selectTop(items, count, order)).toEqual(expected);
        },
      ),
    );
  });

  it('treats __proto__ from a log line as an ordinary key', () => {
    // Prepare
    const record = otcRecord({ member: '__proto__', host: '__proto__', path: '' });
    // Act
    const [w] = aggregate([record]);
    const again = parseWindow(serializeWindow(w as WindowAggregate));
    // Assess
    expect(Object.getPrototypeOf(w?.members)).toBeNull();
    const key = '__proto__';
    expect(again.members[key]?.requests).toBe(1);
    expect(again.hostPaths[key]).toEqual([1, 1]);
  });
});

const arbRecord = fc
  .record({
    offset: fc.integer({ min: 0, max: 3 * FIVE_MIN }),
    lb: fc.constantFrom('lb-a', 'lb-b'),
    status: fc.constantFrom(200, 200, 301, 400, 404, 499, 502, 503, 504, null),
    member: fc.constantFrom('10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', null),
    connected: fc.constantFrom(true, false, null),
    header: fc.option(fc.double({ min: 0, max: 400, noNaN: true })),
    requestTime: fc.option(fc.double({ min: 0, max: 400, noNaN: true })),
    bytes: fc.option(fc.integer({ min: 0, max: 200_000 })),
    path: fc.constantFrom('/a', '/b', '/c'),
    reason: fc.option(fc.constantFrom('LambdaUnhandled', 'WAFConnectionError')),
    lbGen: fc.boolean(),
  })
  .map(
    (g): LogRecord =>
      otcRecord({
        time: T0 + g.offset,
        loadBalancer: g.lb,
        status: g.status,
        generatedBy: g.status === null ? null : g.lbGen ? 'lb' : 'backend',
        member: g.member,
        backendConnected: g.connected,
        headerTime: g.header,
        requestTime: g.requestTime,
        requestBytes: g.bytes,
        path: g.path,
        errorReason: g.reason,
      }),
  );

function mergeRandomly(parts: WindowAggregate[], picks: number[]): WindowAggregate {
  const pool = parts.slice();
  let i = 0;
  while (pool.length > 1) {
    const a = pool.splice((picks[i++ % picks.length] ?? 0) % pool.length, 1)[0] as WindowAggregate;
    const b = pool.splice((picks[i++ % picks.length] ?? 0) % pool.length, 1)[0] as WindowAggregate;
    pool.push(mergeWindows(a, b));
  }
  return pool[0] as WindowAggregate;
}

describe('merge properties', () => {
  it('gives the same windows for any split into objects and any merge order and grouping', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(arbRecord, fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 120 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (tagged, picks) => {
          // Prepare: the whole input at once, and one aggregator per "object"
          const whole = aggregate(tagged.map(([r]) => r));
          const partials = repeat(5, (k) => aggregate(tagged.filter(([, o]) => o === k).map(([r]) => r))).flat();
          // Act: merge each (lb, start) group in a random order and grouping
          const groups = new Map<string, WindowAggregate[]>();
          for (const p of partials) {
            const key = `${p.start}|${p.loadBalancer}`;
            groups.set(key, [...(groups.get(key) ?? []), p]);
          }
          const merged = [...groups.values()].map((g) => mergeRandomly(g, picks));
          merged.sort((a, b) => a.start - b.start || a.loadBalancer.localeCompare(b.loadBalancer));
          // Assess
          expect(merged).toEqual(whole);
          expect(mergeAll(partials.slice().reverse())).toEqual(whole);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps totals exact beyond the key cap, whatever the order', () => {
    fc.assert(
      fc.property(fc.array(arbRecord, { minLength: 1, maxLength: 80 }), fc.nat(), (records, seed) => {
        // Prepare
        const withMembers = records.map((r, i) => ({ ...r, member: `10.1.0.${(i * 7 + seed) % 40}:80` }));
        const whole = aggregate(withMembers, FIVE_MIN, 2);
        const half = Math.floor(withMembers.length / 2);
        // Act
        const merged = mergeAll([
          ...aggregate(withMembers.slice(half), FIVE_MIN, 2),
          ...aggregate(withMembers.slice(0, half), FIVE_MIN, 2),
        ]);
        // Assess
        const totals = (ws: WindowAggregate[]) =>
          ws.map((w) => [
            w.requests,
            Object.values(w.members).reduce((s, m) => s + m.requests, 0),
            { ...w.statusCodes },
          ]);
        expect(totals(merged)).toEqual(totals(whole));
      }),
      { numRuns: 100 },
    );
  });

  it('round-trips through JSON', () => {
    fc.assert(
      fc.property(fc.array(arbRecord, { minLength: 1, maxLength: 60 }), (records) => {
        for (const w of aggregate(records)) expect(parseWindow(serializeWindow(w))).toEqual(w);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses to merge different windows', () => {
    // Prepare
    const [a, b] = aggregate([otcRecord({ time: T0 }), otcRecord({ time: T0 + FIVE_MIN })]);
    // Act + Assess
    expect(() => mergeWindows(a as WindowAggregate, b as WindowAggregate)).toThrow(RangeError);
  });
});

describe('parseWindow', () => {
  const good = JSON.parse(serializeWindow(aggregate([otcRecord(), otcNoConnection(502, 0.001)])[0] as WindowAggregate));

  it.each([
    ['not JSON', '{"version":', null],
    ['wrong version', JSON.stringify({ ...good, version: 2 }), 'window.version'],
    ['negative count', JSON.stringify({ ...good, requests: -1 }), 'window.requests'],
    ['fractional count', JSON.stringify({ ...good, requests: 1.5 }), 'window.requests'],
    ['start not aligned', JSON.stringify({ ...good, start: T0 + 1 }), 'window.start'],
    ['window too short', JSON.stringify({ ...good, windowMs: 1000 }), 'window.windowMs'],
    ['bad status key', JSON.stringify({ ...good, statusCodes: { abc: 1 } }), 'window.statusCodes.abc'],
    ['bad bucket', JSON.stringify({ ...good, backendTime: { '-1': 1 } }), 'window.backendTime.-1'],
    ['array instead of object', JSON.stringify({ ...good, members: [] }), 'window.members'],
    ['missing code field', JSON.stringify({ ...good, codes: { 502: { count: 1 } } }), 'window.codes.502.lb'],
  ])('throws PARTIAL_INVALID naming the field: %s', (_name, json, field) => {
    // Act
    let caught: unknown;
    try {
      parseWindow(json);
    } catch (error) {
      caught = error;
    }
    // Assess
    expect(isLbwatchError(caught, 'PARTIAL_INVALID')).toBe(true);
    if (isLbwatchError(caught)) expect(caught.context.field).toBe(field);
  });
});

describe('memory bounds while aggregating', () => {
  it('compacts windows time has moved past without changing any figure (keys under the cap)', () => {
    // Prepare: 100k records over 40 windows in time order, so the settle passes compact the older windows,
    // with late records going back to the first window after it was compacted.
    const records = repeat(100_000, (i) =>
      otcRecord({
        time: T0 + Math.floor((i / 100_000) * 40 * FIVE_MIN),
        status: i % 17 === 0 ? 502 : 200,
        member: `10.0.0.${i % 7}:8080`,
        path: `/p/${i % 23}`,
      }),
    );
    records.push(...repeat(500, () => otcRecord({ time: T0 + 1, status: 504, path: '/late' })));
    // Act
    const windows = aggregate(records);
    const oneWindowAtATime = mergeAll(
      repeat(41, (k) => aggregate(records.filter((r) => Math.floor((r.time - T0) / FIVE_MIN) === k))).flat(),
    );
    // Assess
    expect(windows).toHaveLength(40);
    expect(windows[0]?.statusCodes[504]).toBe(500);
    expect(windows).toEqual(oneWindowAtATime);
  });

  it('takeSettled hands over only windows time has moved past; merged with the rest they equal one pass', () => {
    // Prepare: 40 windows in time order, then late records for the first window after it was handed over
    const records = repeat(8_000, (i) =>
      otcRecord({ time: T0 + Math.floor((i / 8_000) * 40 * FIVE_MIN), status: i % 9 === 0 ? 503 : 200 }),
    );
    const late = repeat(30, () => otcRecord({ time: T0 + 5, status: 504 }));
    const agg = createAggregator({ windowMs: FIVE_MIN });
    const merger = createWindowMerger();
    // Act
    for (const r of records) agg.add(r);
    const settled = agg.takeSettled();
    for (const w of settled) merger.add(w);
    for (const r of late) agg.add(r);
    for (const w of agg.takeSettled()) merger.add(w);
    for (const w of agg.takeWindows()) merger.add(w);
    // Assess: the newest windows stay, the old ones left; nothing is lost or counted twice
    expect(settled.map((w) => (w.start - T0) / FIVE_MIN)).toEqual(repeat(37, (k) => k));
    expect(merger.take()).toEqual(aggregate([...records, ...late]));
  });

  it('takeWindows hands over the same windows as windows() and leaves the aggregator empty', () => {
    // Prepare
    const agg = createAggregator({ windowMs: FIVE_MIN });
    for (const r of repeat(50, (i) => otcRecord({ time: T0 + i * 20_000, status: i % 5 === 0 ? 502 : 200 }))) {
      agg.add(r);
    }
    const copies = agg.windows();
    // Act
    const taken = agg.takeWindows();
    // Assess
    expect(taken).toEqual(copies);
    expect(agg.windows()).toEqual([]);
  });
});
