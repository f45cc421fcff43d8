/**
 * Evaluates merged windows and turns rule results into claimed notifications: `firing` for every
 * (load balancer, rule, window) whose rule fires, `resolved` for the first closed window after a
 * firing one that is back under the threshold.
 */
import type { WindowAggregate } from '../../lib/aggregate/index.js';
import { evaluateWindow } from '../../lib/analysis/index.js';
import type { Alert } from '../../lib/model.js';
import type { RuleSet } from '../../lib/rules/index.js';
import type { AlertClaims, DeliveryOutcome } from './claims.js';
import type { Notification } from './messages.js';
import { isClosed, LATENESS_MS } from './window-store.js';

/** How many earlier windows each ingest re-examines, so a window is looked at again after it closes. */
export function lookbackWindows(windowMs: number): number {
  return Math.min(12, Math.ceil(LATENESS_MS / windowMs) + 1);
}

export interface AlertOutcome {
  rule: string;
  state: 'firing' | 'resolved';
  windowStart: string;
  outcome: DeliveryOutcome;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The resolved notification: the firing alert's rule, severity and load balancer, with the quiet
 * window's figures for the codes that fired. Causes are empty: there is nothing left to explain.
 */
export function resolvedNotification(firing: Alert, window: WindowAggregate): Notification {
  const statusCodes: Record<string, number> = {};
  let matched = 0;
  for (const code of Object.keys(firing.statusCodes)) {
    const count = window.statusCodes[code] ?? 0;
    statusCodes[code] = count;
    matched += count;
  }
  return {
    rule: firing.rule,
    severity: firing.severity,
    loadBalancer: firing.loadBalancer,
    windowStart: iso(window.start),
    windowEnd: iso(window.start + window.windowMs),
    requests: window.requests,
    matched,
    rate: window.requests === 0 ? 0 : matched / window.requests,
    statusCodes,
    causes: [],
    state: 'resolved',
  };
}

/** Rule ids of a rule set (the ids alerts carry in `rule`). */
export function ruleIds(rules: RuleSet): string[] {
  return rules.rules.map((rule) => rule.id);
}

export async function alertOnWindow(
  window: WindowAggregate,
  rules: RuleSet,
  claims: AlertClaims,
  claimant: string,
  now: number,
): Promise<AlertOutcome[]> {
  const outcomes: AlertOutcome[] = [];
  const alerts = evaluateWindow(window, rules);
  for (const alert of alerts) {
    const outcome = await claims.deliverOnce({ ...alert, state: 'firing' }, claimant);
    outcomes.push({ rule: alert.rule, state: 'firing', windowStart: alert.windowStart, outcome });
  }
  // "No requests" is not "no errors": an empty window resolves nothing.
  if (!isClosed(window.start, window.windowMs, now) || window.requests === 0) return outcomes;
  const fired = new Set(alerts.map((a) => a.rule));
  const previousStart = window.start - window.windowMs;
  const previousClaims = await claims.claimKeysOf(window.loadBalancer, previousStart);
  for (const rule of ruleIds(rules)) {
    if (fired.has(rule)) continue;
    const firingKey = claims.keyOf({
      loadBalancer: window.loadBalancer,
      windowStart: iso(previousStart),
      rule,
      state: 'firing',
    });
    if (!previousClaims.has(firingKey)) continue;
    const previous = await claims.read(firingKey);
    if (previous === null || previous.status !== 'sent') continue;
    const outcome = await claims.deliverOnce(resolvedNotification(previous.notification, window), claimant);
    outcomes.push({ rule, state: 'resolved', windowStart: iso(window.start), outcome });
  }
  return outcomes;
}
