import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Sizing of the SQS event source, from `npm run bench:state` (README "State and cost") and a latency model; the
 * README's "Sizing" has the table.
 *
 * Wall time per log object, T = c + R x L (+ S / P for objects larger than the bench's):
 * - c = 60 ms: the largest loopback wall time per ALB object (~0.9 MB, 1,600 lines) the bench measured (28-61 ms).
 *   Its parts, read off the OTC rows (the same lines with 5 to 81 requests): ~16 ms of the handler's own work and
 *   ~3 ms per request to the local S3 server. At 1,024 MB Lambda gives 0.58 of an arm64 vCPU (see DEFAULT_SIZING),
 *   which makes the 16 ms about 35 ms: c covers it.
 * - R = 7 sequential S3 round trips: the object's GET; a GET and a conditional PUT of the window document for each
 *   window it touches (ALB objects carry records of the previous window: two); the load balancer's state GET and,
 *   once a minute, its PUT. The bench counts 4.0-5.0 requests per object in one window, 6.0-7.0 in two, and the
 *   handler makes them one after another.
 * - L = 100 ms per round trip, the design figure: AWS gives medians "often in the tens of milliseconds" for requests
 *   under 512 KB (whitepaper "Best Practices Design Patterns: Optimizing Amazon S3 Performance", "Timeouts and
 *   Retries for Latency-Sensitive Applications"); 100-200 ms is the commonly quoted S3 first-byte latency, so 200 ms
 *   is the pessimistic bound.
 * - S / P: a busy node's larger object adds its size over ~120 MB/s (see DEFAULT_SIZING): +0.8 s for 100 MB.
 * So T = 0.06 + 7 x 0.1 = 0.76 s (1.46 s at 200 ms; 0.27 s at 30 ms).
 *
 * Each node writes one object every 5 minutes: arrivals are load balancers x nodes / 300 s, and by Little's law the
 * invocations busy on average are arrivals x T; twice that leaves room for the burst (the nodes write in the same
 * minute). 5 x 2: 0.03 objects/s, 0.03 busy. 50 x 10: 1.7/s, 1.3 busy (2.4 at 200 ms). 500 x 20: 33/s, 25 busy
 * (49 at 200 ms).
 * - maxConcurrency 60: 500 x 20 with 2.4x headroom at the design latency, and still keeping up at 200 ms; its burst
 *   of 10,000 objects drains in 10,000 x 0.76 s / 60 = 127 s, inside the 5-minute interval. It is a ceiling, not a
 *   reservation: a smaller estate starts only what its queue holds (a 10-object burst: 3 invocations), and the rest
 *   of the account's concurrency (1,000 per region by default) stays free. The former 10 ingested 500 x 20 at
 *   10 / 0.76 s = 13 objects/s against 33/s arriving: the queue grew without bound. More than needed adds no
 *   throughput, only writers racing for one window document (each lost conditional PUT costs a GET and a PUT).
 * - batchSize 4: the handler ingests a batch's objects one after another, so throughput is maxConcurrency / T
 *   whatever the batch. The batch only sets invocations (1/B per object, $0.20 per million) and SQS requests
 *   (1 + 2/B, $0.40 per million): $0.65 per million objects at 4, $0.50 at 10, beside the $7-18 per million objects
 *   the bench measures in all. Four worst-case 1 GB objects (~9 s of parsing and 7 x 0.2 s each) take ~42 s of the
 *   300 s timeout. At most 10: above that SQS needs a batching window, and ten such objects take a third of the
 *   timeout.
 * - Batching window 0 s: the objects of a batch are merged one by one (a read-modify-write of each window document),
 *   so waiting for a fuller batch saves no S3 request and would delay every page by up to the window.
 */
export const DEFAULT_INGEST_SIZING = {
  maxConcurrency: 60,
  batchSize: 4,
  batchingWindowSeconds: 0,
} as const;

/** Accepted ranges, as the CDK context options `maxConcurrency`, `ingestBatchSize`, `ingestBatchingWindowSeconds`. */
export const INGEST_SIZING_LIMITS = {
  /** Lambda's range for an SQS event source's maximum concurrency. */
  maxConcurrency: { min: 2, max: 1000 },
  /** SQS allows 10 without a batching window; see DEFAULT_INGEST_SIZING for the timeout. */
  batchSize: { min: 1, max: 10 },
  /** Lambda's range for an SQS batching window. */
  batchingWindowSeconds: { min: 0, max: 300 },
} as const;

export interface LogDeliveryProps {
  /** The access-log bucket whose new objects are announced. */
  readonly bucket: IBucket;
  /** Only keys below this prefix are announced (`''`: the whole bucket). */
  readonly prefix: string;
  /** One notification per suffix; an empty list announces every key below the prefix. */
  readonly suffixes: readonly string[];
  /** The ingest function consuming the queue. */
  readonly consumer: IFunction;
  /** The consumer's timeout; the visibility timeout is derived from it. */
  readonly consumerTimeout: Duration;
  /**
   * Messages per invocation (1 to 10). Each message names one log object; the consumer ingests a batch's objects one
   * after another and reports failed messages individually.
   * @default 4 - see {@link DEFAULT_INGEST_SIZING}: a batch does not change throughput, only invocation and SQS
   *   request counts, and 4 worst-case objects take ~42 s of the 300 s timeout.
   */
  readonly batchSize?: number | undefined;
  /**
   * Longest time SQS gathers messages before invoking, when fewer than `batchSize` are waiting (0 to 300 s).
   * @default Duration.seconds(0) - invoke as soon as a message is there; see {@link DEFAULT_INGEST_SIZING}: a
   *   window saves no S3 request and delays every page by up to its length.
   */
  readonly maxBatchingWindow?: Duration | undefined;
  /**
   * Concurrent consumer invocations the queue may start (2 to 1000).
   * @default 60 - see {@link DEFAULT_INGEST_SIZING}: 500 load balancers x 20 nodes need ~25 at the design S3
   *   latency, ~49 at twice that.
   */
  readonly maxConcurrency?: number | undefined;
  /**
   * Receives before a message moves to the dead-letter queue.
   * @default 5 - rides out throttling and transient S3/SNS errors; a corrupt object is dropped by the function
   *   itself, so a message that fails five times points at a configuration or permission problem.
   */
  readonly maxReceiveCount?: number | undefined;
}

/**
 * S3 event notifications -> SQS queue (with a dead-letter queue) -> ingest function. The queue absorbs bursts
 * (every node of every load balancer writes every five minutes), retries failed objects one by one and keeps
 * what keeps failing for inspection and redrive.
 */
export class LogDelivery extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: LogDeliveryProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's guidance for Lambda consumers: six times the function timeout, so a message is not handed to a
      // second invocation while the first still works on it (throttled retries included).
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    const destination = new SqsDestination(this.queue);
    const prefix = props.prefix === '' ? {} : { prefix: props.prefix };
    const suffixes = nonOverlappingSuffixes(props.suffixes);
    if (suffixes.length === 0) {
      props.bucket.addEventNotification(EventType.OBJECT_CREATED, destination, prefix);
    }
    for (const suffix of suffixes) {
      props.bucket.addEventNotification(EventType.OBJECT_CREATED, destination, { ...prefix, suffix });
    }
    props.consumer.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? DEFAULT_INGEST_SIZING.batchSize,
        maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(DEFAULT_INGEST_SIZING.batchingWindowSeconds),
        maxConcurrency: props.maxConcurrency ?? DEFAULT_INGEST_SIZING.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}

/**
 * S3 rejects two notifications of one event type whose suffixes overlap (one ends with the other), and the shorter
 * suffix already matches every key the longer one would: keep only the shortest of each chain.
 *
 * @example nonOverlappingSuffixes(['.log', '.log.gz', '.gz']) // ['.log', '.gz']
 */
export function nonOverlappingSuffixes(suffixes: readonly string[]): string[] {
  const unique = [...new Set(suffixes)];
  return unique.filter((suffix) => !unique.some((other) => other !== suffix && suffix.endsWith(other)));
}
