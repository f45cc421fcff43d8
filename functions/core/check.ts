/**
 * The scheduled check, cloud-neutral (every 5 minutes by default): for every load balancer lbwatch has seen, it
 * opens a `logs-missing` incident when no object arrived for `logsMissing.after`, and for every rule with an
 * incident needing attention it judges closed windows again (so an incident resolves even when no later object
 * arrives), sends reminders, and finishes pages a crashed invocation left pending. Nothing pending depends on more
 * logs arriving. It also rolls each load balancer's closed hours up for the report (rollups.ts).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { logsStillMissing, openLogsMissing } from '../../lib/incidents/record.js';
import { LOGS_MISSING_RULE } from '../../lib/model.js';
import { logsMissingAfter, silencedBy } from '../../lib/rules/index.js';
import { mapLimit } from './concurrency.js';
import {
  changeRecord,
  deliverDue,
  type IncidentContext,
  type LoadedRecord,
  loadRecord,
  needsAttention,
  type PageOutcome,
  trackRule,
} from './incidents.js';
import { lbStatesPrefix, newestArrival, parseLbState, silentAfter, updateLbState } from './lb-state.js';
import type { Log } from './logger.js';
import { rollDue } from './rollups.js';
import type { Runtime } from './runtime.js';
import type { StateStore } from './state-store.js';

export interface CheckFlowDeps {
  prefix: string;
  store: StateStore;
  log: Log;
  now?: () => number;
  reportUrl?: () => Promise<string | null>;
  /** Overrides ROLLING_BUDGET_MS. */
  rollingBudgetMs?: number;
}

export interface CheckResult {
  loadBalancers: number;
  /** Load balancers whose logs are missing now. */
  silent: string[];
  pages: PageOutcome[];
  /** (Load balancer, hour) rollups written. */
  hoursRolled: number;
}

/** Load balancers checked at once. */
export const CHECK_CONCURRENCY = 8;
/**
 * Wall time a run spends starting rollups (about 30 ms of CPU per load-balancer hour measured; 500 load balancers'
 * hour fits, a day's backlog after an outage takes several runs). Keeps the run inside its 120 s timeout.
 */
export const ROLLING_BUDGET_MS = 60_000;

export type CheckFlow = (runtime: Runtime) => Promise<CheckResult>;

export function createCheckFlow(deps: CheckFlowDeps): CheckFlow {
  const { store, prefix, log } = deps;
  const now = deps.now ?? Date.now;

  return async function check(runtime: Runtime): Promise<CheckResult> {
    const ctx: IncidentContext = {
      store,
      prefix,
      rules: runtime.rules,
      destinations: runtime.destinations,
      log,
      now,
      writer: `check:${randomUUID()}`,
      reportUrl: deps.reportUrl ?? (async () => null),
    };
    const keys = await store.list(lbStatesPrefix(prefix));
    // A monotonic clock: `now` is the business clock (and fixed in tests).
    const rollingEnds = performance.now() + (deps.rollingBudgetMs ?? ROLLING_BUDGET_MS);
    const outOfTime = (): boolean => performance.now() >= rollingEnds;
    const pages: PageOutcome[] = [];
    const silent: string[] = [];
    let rolled = 0;
    await mapLimit(keys, CHECK_CONCURRENCY, async (key) => {
      const stored = await store.get(key);
      const parsed = stored === null ? null : parseLbState(stored.text);
      if (stored === null || parsed === null) return;
      let state = parsed;
      const lb = state.loadBalancer;
      const at = now();
      const add: string[] = [];
      const remove: string[] = [];
      const after = logsMissingAfter(runtime.rules.logsMissing, lb);
      const seemsSilent = (): boolean =>
        after !== null && state.lastArrival > 0 && at - state.lastArrival >= silentAfter(state, after);
      let arrival: { arrival: number; objectKey: string; coverMs: number } | null = null;
      if (seemsSilent() && !state.openRules.includes(LOGS_MISSING_RULE)) {
        // The recorded arrival may be up to ARRIVAL_RESOLUTION_MS old: the window documents confirm the silence.
        const newest = await newestArrival(store, prefix, state, runtime.windowMs);
        if (newest !== null) {
          arrival = { ...newest, coverMs: state.intervalMs };
          state = { ...state, lastArrival: newest.arrival, lastObjectKey: newest.objectKey };
        }
      }
      let logsMissing: LoadedRecord | undefined;
      if (after !== null && seemsSilent()) {
        silent.push(lb);
        const silenced = silencedBy(runtime.rules.silences, lb, LOGS_MISSING_RULE, at) !== null;
        if (!state.openRules.includes(LOGS_MISSING_RULE)) {
          logsMissing = await changeRecord(ctx, lb, LOGS_MISSING_RULE, (record) =>
            openLogsMissing(record, {
              at,
              lastSeen: state.lastArrival,
              lastObjectKey: state.lastObjectKey,
              severity: runtime.rules.logsMissing.severity,
              silenced,
            }),
          );
          add.push(LOGS_MISSING_RULE);
        } else if (!silenced) {
          // Opened inside a silence that has ended while the logs are still missing: it pages now.
          logsMissing = await changeRecord(ctx, lb, LOGS_MISSING_RULE, (record) => logsStillMissing(record, at));
        }
      }
      for (const ruleId of new Set([...state.openRules, ...add])) {
        const rule = runtime.rules.rules.find((r) => r.id === ruleId);
        let record: Parameters<typeof needsAttention>[0];
        if (rule !== undefined) {
          const tracked = await trackRule(ctx, lb, rule, []);
          pages.push(...tracked.pages);
          record = tracked.record;
        } else if (ruleId === LOGS_MISSING_RULE) {
          const done = await deliverDue(ctx, logsMissing ?? (await loadRecord(ctx, lb, ruleId)), new Map());
          pages.push(...done.pages);
          record = done.loaded.record;
        } else {
          // A rule the current rules file no longer has.
          remove.push(ruleId);
          continue;
        }
        if (!needsAttention(record, now())) remove.push(ruleId);
      }
      const rolling = await rollDue(store, prefix, state, runtime.rules, now(), log, outOfTime);
      rolled += rolling.rolled;
      await updateLbState(
        store,
        prefix,
        lb,
        {
          add: add.filter((r) => !remove.includes(r)),
          remove,
          ...rolling.delta,
          ...(arrival === null
            ? {}
            : { arrival: arrival.arrival, objectKey: arrival.objectKey, coverMs: arrival.coverMs }),
        },
        { state: parsed, stored },
      );
    });
    log.info('scheduled check done', {
      loadBalancers: keys.length,
      silent: silent.length,
      hoursRolled: rolled,
      pagesSent: pages.filter((p) => p.outcome === 'sent').length,
    });
    return { loadBalancers: keys.length, silent: silent.sort(), pages, hoursRolled: rolled };
  };
}
