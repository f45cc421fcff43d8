import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incidentSpans, type WindowVerdict } from '../../../lib/incidents/index.js';
import {
  applyVerdict,
  emptyRecord,
  type IncidentRecord,
  incidentOfRecord,
  logsStillMissing,
  openLogsMissing,
  PAGE_STALE_MS,
  pageDue,
  resolveLogsMissing,
  type StoredVerdict,
  withPage,
} from '../../../lib/incidents/record.js';

const W = 300_000;
const T0 = Date.parse('2026-06-16T05:00:00Z');
const OPTIONS = { severity: 'critical' as const, windowMs: W, resolveAfter: 2 };
const fire: StoredVerdict = {
  requests: 100,
  hit: { matched: 30, rate: 0.3, statusCodes: { 502: 30 } },
  silenced: false,
};
const quiet: StoredVerdict = { requests: 100, hit: null, silenced: false };
const empty: StoredVerdict = { requests: 0, hit: null, silenced: false };

function feed(record: IncidentRecord, steps: [number, StoredVerdict][]): IncidentRecord {
  let r = record;
  for (const [i, v] of steps) r = applyVerdict(r, T0 + i * W, v, OPTIONS) ?? r;
  return r;
}

describe('applyVerdict', () => {
  it('opens on the first firing window, resolves after two quiet windows with requests', () => {
    // Act
    const r = feed(emptyRecord('lb', 'gateway-errors'), [
      [0, fire],
      [1, fire],
      [2, empty],
      [3, quiet],
      [4, quiet],
    ]);
    // Assess
    expect(r.current?.start).toBe(T0);
    expect(r.current?.resolvedAt).toBe(T0 + 5 * W);
    expect(incidentOfRecord(r)).toMatchObject({ windows: 2, matched: 60, end: new Date(T0 + 2 * W).toISOString() });
  });

  it('returns null when nothing changes (no write), e.g. the same verdict again', () => {
    const r = feed(emptyRecord('lb', 'r'), [[0, fire]]);
    expect(applyVerdict(r, T0, fire, OPTIONS)).toBeNull();
    expect(applyVerdict(emptyRecord('lb', 'r'), T0, quiet, OPTIONS)).toBeNull();
  });

  it('a late firing window inside a resolved incident does not reopen it; one after resolution opens a new one', () => {
    // Prepare
    const resolved = feed(emptyRecord('lb', 'r'), [
      [0, fire],
      [1, quiet],
      [2, quiet],
    ]);
    // Act
    const late = applyVerdict(resolved, T0 + W, fire, OPTIONS);
    const after = applyVerdict(resolved, T0 + 5 * W, fire, OPTIONS);
    // Assess
    expect(late?.current?.id).toBe(resolved.current?.id);
    expect(late?.current?.resolvedAt).toBe(resolved.current?.resolvedAt);
    expect(after?.current?.id).not.toBe(resolved.current?.id);
    expect(after?.current?.start).toBe(T0 + 5 * W);
  });

  it('agrees with incidentSpans on the first incident for in-order verdicts (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(fire, quiet, empty), { minLength: 1, maxLength: 40 }), (vs) => {
        // Act
        const r = feed(
          emptyRecord('lb', 'r'),
          vs.map((v, i) => [i, v]),
        );
        const spans = incidentSpans(
          vs.map(
            (v, i): WindowVerdict => ({
              start: T0 + i * W,
              windowMs: W,
              requests: v.requests,
              alert: v.hit === null ? null : { requests: v.requests, ...v.hit },
              silenced: false,
            }),
          ),
          2,
        );
        // Assess: the record holds the last incident the spans show
        const last = spans[spans.length - 1];
        if (last === undefined) expect(r.current).toBeNull();
        else {
          expect(r.current?.start).toBe(last.firing[0]?.start);
          expect(r.current?.resolvedAt).toBe(last.resolvedAt);
        }
      }),
    );
  });
});

describe('pageDue', () => {
  const writer = 'invocation-a';
  const open = feed(emptyRecord('lb', 'r'), [[0, fire]]);

  it('asks for opened, then nothing while open, then resolved once', () => {
    // Act
    const first = pageDue(open, { now: T0, renotifyAfterMs: 0, writer });
    const sent = withPage(open, { state: 'opened', sequence: 0 }, 'sent', writer, ['sns'], T0);
    const resolved = feed(sent, [
      [1, quiet],
      [2, quiet],
    ]);
    const done = withPage(resolved, { state: 'resolved', sequence: 0 }, 'sent', writer, ['sns'], T0);
    // Assess
    expect(first).toEqual({ state: 'opened', sequence: 0, delivered: [] });
    expect(pageDue(sent, { now: T0 + 3_600_000, renotifyAfterMs: 0, writer })).toBeNull();
    expect(pageDue(resolved, { now: T0, renotifyAfterMs: 0, writer })?.state).toBe('resolved');
    expect(pageDue(done, { now: T0, renotifyAfterMs: 0, writer })).toBeNull();
  });

  it('a pending page is ours to finish, another writer’s only once stale, with what it delivered', () => {
    // Prepare
    const pending = withPage(open, { state: 'opened', sequence: 0 }, 'pending', 'other', ['sns'], T0);
    // Act + Assess
    expect(pageDue(pending, { now: T0 + 1000, renotifyAfterMs: 0, writer: 'other' })).toEqual({
      state: 'opened',
      sequence: 0,
      delivered: ['sns'],
    });
    expect(pageDue(pending, { now: T0 + 1000, renotifyAfterMs: 0, writer })).toBeNull();
    expect(pageDue(pending, { now: T0 + PAGE_STALE_MS, renotifyAfterMs: 0, writer })?.delivered).toEqual(['sns']);
  });

  it('reminds at most once per renotifyAfter while open', () => {
    // Prepare
    const sent = withPage(open, { state: 'opened', sequence: 0 }, 'sent', writer, [], T0);
    const h = 3_600_000;
    // Act
    const early = pageDue(sent, { now: T0 + h - 1, renotifyAfterMs: h, writer });
    const first = pageDue(sent, { now: T0 + h, renotifyAfterMs: h, writer });
    const reminded = withPage(sent, { state: 'reminder', sequence: 1 }, 'sent', writer, [], T0 + h);
    // Assess
    expect(early).toBeNull();
    expect(first).toEqual({ state: 'reminder', sequence: 1, delivered: [] });
    expect(pageDue(reminded, { now: T0 + 2 * h - 1, renotifyAfterMs: h, writer })).toBeNull();
    expect(pageDue(reminded, { now: T0 + 2 * h, renotifyAfterMs: h, writer })?.sequence).toBe(2);
  });

  it('a silenced incident is not paged until a firing window outside the silence', () => {
    // Prepare
    const silenced = feed(emptyRecord('lb', 'r'), [[0, { ...fire, silenced: true }]]);
    // Act
    const later = applyVerdict(silenced, T0 + W, fire, OPTIONS) ?? silenced;
    // Assess
    expect(pageDue(silenced, { now: T0, renotifyAfterMs: 0, writer })).toBeNull();
    expect(incidentOfRecord(silenced)?.silenced).toBe(true);
    expect(pageDue(later, { now: T0, renotifyAfterMs: 0, writer })?.state).toBe('opened');
  });
});

describe('logs-missing', () => {
  it('opens once, resolves when logs arrive, and pages opened then resolved', () => {
    // Prepare
    const facts = {
      at: T0 + 1_500_000,
      lastSeen: T0,
      lastObjectKey: 'logs/a.log.gz',
      severity: 'warning' as const,
      silenced: false,
    };
    // Act
    const opened = openLogsMissing(emptyRecord('lb', 'logs-missing'), facts);
    const again = opened === null ? null : openLogsMissing(opened, facts);
    const sent = opened === null ? null : withPage(opened, { state: 'opened', sequence: 0 }, 'sent', 'w', [], T0);
    const resolved = sent === null ? null : resolveLogsMissing(sent, T0 + 2_000_000);
    // Assess
    expect(again).toBeNull();
    expect(incidentOfRecord(opened as IncidentRecord)?.logsMissing).toEqual({
      lastSeen: new Date(T0).toISOString(),
      lastObjectKey: 'logs/a.log.gz',
    });
    expect(pageDue(opened as IncidentRecord, { now: T0, renotifyAfterMs: 0, writer: 'w' })?.state).toBe('opened');
    expect(pageDue(resolved as IncidentRecord, { now: T0, renotifyAfterMs: 0, writer: 'w' })?.state).toBe('resolved');
  });

  it('opened inside a silence, pages once it is still missing after the silence, and is noted only once', () => {
    // Prepare
    const facts = {
      at: T0,
      lastSeen: T0 - 1_500_000,
      lastObjectKey: null,
      severity: 'warning' as const,
      silenced: true,
    };
    const opened = openLogsMissing(emptyRecord('lb', 'logs-missing'), facts) as IncidentRecord;
    // Act
    const loud = logsStillMissing(opened, T0 + 1_800_000);
    const again = loud === null ? null : logsStillMissing(loud, T0 + 2_100_000);
    const resolved = resolveLogsMissing(opened, T0 + 600_000) as IncidentRecord;
    // Assess
    expect(pageDue(opened, { now: T0, renotifyAfterMs: 0, writer: 'w' })).toBeNull();
    expect(incidentOfRecord(opened)?.silenced).toBe(true);
    expect(loud === null ? null : pageDue(loud, { now: T0, renotifyAfterMs: 0, writer: 'w' })?.state).toBe('opened');
    expect(loud === null ? null : incidentOfRecord(loud)?.silenced).toBe(false);
    expect(again).toBeNull();
    expect(logsStillMissing(resolved, T0 + 1_800_000)).toBeNull();
    expect(pageDue(resolved, { now: T0, renotifyAfterMs: 0, writer: 'w' })).toBeNull();
  });
});
