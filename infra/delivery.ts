import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

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
   * Messages per invocation. Each message names one log object, and the consumer reports failed messages
   * individually, so a small batch bounds the work redone after a timeout.
   * @default 4
   */
  readonly batchSize?: number | undefined;
  /**
   * Concurrent consumer invocations the queue may start (2 to 1000).
   * @default 10 - about 10 x 35 MB/s of log, far above what a few dozen load balancers write, while leaving the
   *   account's Lambda concurrency to other workloads.
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
        batchSize: props.batchSize ?? 4,
        maxConcurrency: props.maxConcurrency ?? 10,
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
