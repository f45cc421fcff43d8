/**
 * Applying one rule to one merged window: the matched codes, the rate, and whether it fires. Causes are ranked
 * elsewhere (per alert for a window, once per incident for its firing windows).
 */
import type { WindowAggregate } from '../aggregate/index.js';
import type { Rule } from './index.js';
import { ruleMatchesCode } from './index.js';

/** What a firing rule found in a window. */
export interface RuleHit {
  requests: number;
  matched: number;
  /** matched / requests, rounded to 4 digits. */
  rate: number;
  /** The codes the rule matched, with their counts, in code order. */
  statusCodes: Record<string, number>;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The matched count of one code for a rule's source. */
function matchedCount(w: WindowAggregate, rule: Rule, code: string): number {
  const all = w.statusCodes[code] ?? 0;
  const lb = w.lbGenerated[code] ?? 0;
  return rule.source === 'any' ? all : rule.source === 'lb' ? lb : all - lb;
}

/**
 * The rule's hit in the window, or null when it does not fire. A window without requests never fires: "no
 * requests" is not "no errors".
 *
 * @example
 * evaluateRule(window, DEFAULT_RULES.rules[0]) // { requests: 331, matched: 86, rate: 0.2598, statusCodes: { '502': 86 } }
 */
export function evaluateRule(window: WindowAggregate, rule: Rule): RuleHit | null {
  const requests = window.requests;
  if (requests === 0 || requests < rule.minRequests) return null;
  const codes: [string, number][] = [];
  let matched = 0;
  for (const code of Object.keys(window.statusCodes)) {
    if (!ruleMatchesCode(rule, Number(code))) continue;
    const n = matchedCount(window, rule, code);
    if (n > 0) {
      codes.push([code, n]);
      matched += n;
    }
  }
  if (matched === 0) return null;
  const rate = matched / requests;
  if (rule.rate !== null && rate < rule.rate) return null;
  if (rule.count !== null && matched < rule.count) return null;
  const statusCodes: Record<string, number> = {};
  for (const [code, n] of codes.sort((a, b) => Number(a[0]) - Number(b[0]))) statusCodes[code] = n;
  return { requests, matched, rate: round(rate, 4), statusCodes };
}
