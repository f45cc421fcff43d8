/**
 * Causes: the error-code table as data, ranked per window by the evidence in the log lines.
 */
import type { WindowAggregate } from '../aggregate/index.js';
import type { CauseResult } from '../model.js';
import { DEFAULT_THRESHOLDS, type PlatformThresholds } from '../rules/index.js';
import { CAUSE_CATALOGUE, type CauseDefinition, causesFor } from './catalogue.js';
import { EVIDENCE_RULES, type EvidenceContext, UNLISTED_RULES } from './evidence.js';

export { CAUSE_CATALOGUE, type CauseDefinition, causesFor } from './catalogue.js';
export { scopePhrase, shownValue } from './format.js';

function round(score: number): number {
  return Math.round(score * 100) / 100;
}

/**
 * Ranks a code's causes by the window's evidence, most likely first. Each cause carries a plain-text sentence
 * with the numbers behind its score (escape it for HTML or a terminal); causes the window says nothing about
 * follow in table order with score 0 and empty evidence, and causes the evidence speaks against come last.
 *
 * `thresholds` defaults to the window's platform defaults (OTC: connect 5 s, response 300 s, client 60 s). Every
 * sentence is true for any thresholds at the histogram's resolution (see ./evidence.ts).
 *
 * `scope` names the period `window` covers wherever a sentence speaks of it: `in this window` (the default) for
 * one window; for an aggregate merged from several, a phrase from {@link scopePhrase} or e.g. `in this incident`.
 *
 * @example
 * rankCauses(window, 502)[0] // { code: 502, id: '502.backend-port', evidence: '41 of 43 502s got no backend connection, ...', score: 4.7, ... }
 * rankCauses(merged, 504, thresholds, 'in the 3 windows 05:40–05:55').find((c) => c.id === '504.firewall')?.evidence
 * // '16053 requests got a backend answer in the 3 windows 05:40–05:55'
 */
export function rankCauses(
  window: WindowAggregate,
  code: number,
  thresholds?: PlatformThresholds,
  scope = 'in this window',
): CauseResult[] {
  const defs = causesFor(code);
  const stats = window.codes[code];
  const scores = new Map<string, { score: number; sentences: string[] }>(
    defs.map((d) => [d.id, { score: 0, sentences: [] }]),
  );
  if (stats !== undefined && stats.count > 0) {
    const platform = window.format ?? 'otc-elb';
    const deferred: Array<[string, number, string]> = [];
    const ctx: EvidenceContext = {
      window,
      code,
      stats,
      n: stats.count,
      platform,
      thresholds: thresholds ?? DEFAULT_THRESHOLDS[platform],
      scope,
      add(id, delta, sentence) {
        if (id.startsWith('*')) {
          deferred.push([id, delta, sentence]);
          return;
        }
        const entry = scores.get(id);
        if (entry === undefined) return;
        entry.score += delta;
        if (sentence !== '') entry.sentences.push(sentence);
      },
    };
    const listed = CAUSE_CATALOGUE.some((c) => c.code === code);
    for (const rule of listed ? EVIDENCE_RULES : UNLISTED_RULES) rule(ctx);
    for (const [kind, delta, sentence] of deferred) ctx.add(resolve(kind, defs, scores), delta, sentence);
  }
  const order = new Map(defs.map((d, i) => [d.id, i]));
  return defs
    .map((d): CauseResult => {
      const entry = scores.get(d.id);
      return {
        code,
        id: d.id,
        title: d.title,
        evidence: entry?.sentences.join('; ') ?? '',
        score: round(entry?.score ?? 0),
      };
    })
    .sort((a, b) => b.score - a.score || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

/** `*first`: the code's first cause; `*member`: its best-scoring member-specific cause. */
function resolve(kind: string, defs: CauseDefinition[], scores: Map<string, { score: number }>): string {
  const first = defs[0]?.id ?? '';
  if (kind !== '*member') return first;
  let best: CauseDefinition | undefined;
  for (const d of defs) {
    if (!d.memberSpecific) continue;
    if (best === undefined || (scores.get(d.id)?.score ?? 0) > (scores.get(best.id)?.score ?? 0)) best = d;
  }
  return best?.id ?? first;
}
