/**
 * Exactly-once paging per (load balancer, rule, window, state) across concurrent invocations.
 *
 * The claim is an S3 object created with `If-None-Match: *` at a deterministic key: only one writer
 * can create it; the others get 412 and send nothing. Its body moves through
 * `pending` (claimed, publishing) -> `sent`, or `failed` (publish failed; records which destinations
 * already have it). A claim that is `failed`, or `pending` for longer than {@link CLAIM_STALE_MS}
 * (its owner crashed between claim and publish), is taken over with `If-Match: <etag>` so again only
 * one invocation resumes it, and only the destinations that lack it are sent to.
 */
import { LbwatchError } from '../../lib/errors.js';
import type { Log } from './logger.js';
import { alertMessage, type MessageOptions, type Notification } from './messages.js';
import type { Destination } from './publishers.js';
import { alertClaimKey, alertWindowPrefix } from './state-keys.js';
import type { StateStore, StoredText } from './state-store.js';

/**
 * How long a `pending` claim is trusted to belong to a live invocation. Publishing takes at most
 * a few webhook attempts of 5 s each plus one SNS call, far below two minutes.
 */
export const CLAIM_STALE_MS = 120_000;

export interface ClaimBody {
  status: 'pending' | 'sent' | 'failed';
  /** ISO time of the last state change. */
  at: string;
  /** Which source object's processing made the claim (for operators). */
  claimant: string;
  /** Destinations that already have this notification. */
  delivered: string[];
  notification: Notification;
}

export type DeliveryOutcome = 'sent' | 'already-sent' | 'in-progress';

export class AlertClaims {
  constructor(
    private readonly store: StateStore,
    private readonly prefix: string,
    private readonly destinations: readonly Destination[],
    private readonly options: MessageOptions & { now: () => number; log: Log },
  ) {}

  keyOf(n: Pick<Notification, 'loadBalancer' | 'windowStart' | 'rule' | 'state'>): string {
    return alertClaimKey(this.prefix, n.loadBalancer, Date.parse(n.windowStart), n.rule, n.state);
  }

  /** Keys of every claim made for one load balancer's window (one listing). */
  async claimKeysOf(loadBalancer: string, windowStartMs: number): Promise<Set<string>> {
    return new Set(await this.store.list(alertWindowPrefix(this.prefix, loadBalancer, windowStartMs)));
  }

  /** Whether a notification for this key was claimed (any status): a firing claim means the rule fired. */
  async read(key: string): Promise<ClaimBody | null> {
    const stored = await this.store.get(key);
    return stored === null ? null : parseClaim(stored.text);
  }

  /** Delivers `notification` unless another invocation already did or is doing it. */
  async deliverOnce(notification: Notification, claimant: string): Promise<DeliveryOutcome> {
    const key = this.keyOf(notification);
    let delivered: string[] = [];
    let existing = await this.store.get(key);
    let owned = false;
    // Two rounds at most: a lost creation race re-reads the winner's claim once.
    for (let round = 0; round < 2 && !owned; round++) {
      if (existing === null) {
        const created = await this.store.putIfAbsent(key, this.body('pending', claimant, [], notification));
        if (created === 'created') {
          owned = true;
          break;
        }
        existing = await this.store.get(key);
        if (existing === null) return 'in-progress';
        continue;
      }
      const decision = this.takeoverDecision(existing);
      if (decision !== 'take-over') return decision;
      const previous = parseClaim(existing.text);
      delivered = previous?.delivered ?? [];
      const written = await this.store.putIfMatch(
        key,
        this.body('pending', claimant, delivered, notification),
        existing.etag,
      );
      if (written === 'changed') return 'in-progress';
      owned = true;
      this.options.log.warn('resuming an unfinished alert claim', { claimKey: key, previous: previous?.status });
    }
    if (!owned) return 'in-progress';

    const message = alertMessage(notification, this.options);
    for (const destination of this.destinations) {
      if (delivered.includes(destination.name)) continue;
      try {
        await destination.send(message);
        delivered.push(destination.name);
      } catch (error) {
        await this.release(key, claimant, delivered, notification);
        throw error instanceof LbwatchError
          ? error
          : new LbwatchError('PUBLISH_FAILED', `publishing to ${destination.name} failed`, { cause: error });
      }
    }
    try {
      await this.store.put(key, this.body('sent', claimant, delivered, notification));
    } catch (error) {
      // Delivered, but the claim still says pending: after CLAIM_STALE_MS a later evaluation may send
      // it once more. A duplicate page is preferred to failing an invocation whose alert went out.
      this.options.log.error('alert sent but its claim could not be marked sent', {
        claimKey: key,
        error: String(error),
      });
    }
    return 'sent';
  }

  private takeoverDecision(existing: StoredText): 'already-sent' | 'in-progress' | 'take-over' {
    const claim = parseClaim(existing.text);
    if (claim === null) return 'take-over';
    if (claim.status === 'sent') return 'already-sent';
    if (claim.status === 'failed') return 'take-over';
    const age = this.options.now() - Date.parse(claim.at);
    return Number.isFinite(age) && age < CLAIM_STALE_MS ? 'in-progress' : 'take-over';
  }

  /**
   * After a failed publish: nothing delivered -> delete the claim (the retry claims afresh);
   * something delivered -> mark it failed with what was delivered (the retry sends the rest).
   */
  private async release(key: string, claimant: string, delivered: string[], n: Notification): Promise<void> {
    try {
      if (delivered.length === 0) await this.store.delete(key);
      else await this.store.put(key, this.body('failed', claimant, delivered, n));
    } catch (error) {
      // The pending claim goes stale after CLAIM_STALE_MS and is taken over then.
      this.options.log.error('could not release a failed alert claim', { claimKey: key, error: String(error) });
    }
  }

  private body(status: ClaimBody['status'], claimant: string, delivered: string[], n: Notification): string {
    const body: ClaimBody = {
      status,
      at: new Date(this.options.now()).toISOString(),
      claimant,
      delivered: [...delivered],
      notification: n,
    };
    return JSON.stringify(body);
  }
}

function parseClaim(text: string): ClaimBody | null {
  try {
    const value = JSON.parse(text) as Partial<ClaimBody>;
    if (value.status !== 'pending' && value.status !== 'sent' && value.status !== 'failed') return null;
    return {
      status: value.status,
      at: typeof value.at === 'string' ? value.at : '',
      claimant: typeof value.claimant === 'string' ? value.claimant : '',
      delivered: Array.isArray(value.delivered) ? value.delivered.filter((d) => typeof d === 'string') : [],
      notification: value.notification as Notification,
    };
  } catch {
    return null;
  }
}
