import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** The folders the functions keep below STATE_PREFIX; the IAM statements grant per folder. */
export const STATE_FOLDERS = {
  /** One window partial per source object and window, merged for alerts and reports. */
  partials: 'partials/',
  /** What reading one source object produced, per day; the report counts inputs from them. */
  inputs: 'inputs/',
  /** Alert claims, written with If-None-Match so exactly one invocation sends each alert. */
  alerts: 'alerts/',
  /** Merged windows per load balancer, the input of the incident check. */
  windows: 'windows/',
  /** Hourly rollups of the windows, rolled by the check as hours close; what the report reads. */
  rollups: 'rollups/',
  /** Incident records (open, reminded, resolved, silenced): what pages are sent about and reports list. */
  incidents: 'incidents/',
  /** One record per load balancer seen, so a load balancer whose logs stop can be noticed. */
  lbs: 'lbs/',
  /** Rendered summary reports (HTML, Markdown, JSON), `latest.json` and the announcement markers. */
  reports: 'reports/',
} as const;

export interface StateBucketProps {
  /**
   * Prefix of every key the functions write (STATE_PREFIX): non-empty, ending in `/`.
   * @default 'lbwatch/'
   */
  readonly prefix?: string | undefined;
  /**
   * Days partials, input records and alert claims are kept. They are only needed while a report period or a late
   * object can still read them: the longest report period lbwatch renders is a month, plus a few days of lateness.
   * @default 35
   */
  readonly stateRetentionDays?: number | undefined;
  /**
   * Days rendered reports and incident records are kept; they are small and are the record people look back at.
   * @default 400 - a year and a month, so a month can be compared with the same month a year before.
   */
  readonly reportRetentionDays?: number | undefined;
  /**
   * What happens to the bucket on `cdk destroy`.
   * @default RemovalPolicy.RETAIN - reports and state survive `cdk destroy`; delete the bucket by hand when done.
   */
  readonly removalPolicy?: RemovalPolicy | undefined;
}

/**
 * The bucket lbwatch owns for its state. A dedicated bucket means the access-log notifications can never see
 * lbwatch's own writes (no self-triggering) and the function policies need no cross-bucket exceptions.
 */
export class StateBucket extends Construct {
  readonly bucket: Bucket;
  readonly prefix: string;

  constructor(scope: Construct, id: string, props: StateBucketProps = {}) {
    super(scope, id);
    this.prefix = props.prefix ?? 'lbwatch/';
    const stateDays = Duration.days(props.stateRetentionDays ?? 35);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        ...(['partials', 'inputs', 'alerts', 'windows', 'rollups'] as const).map((folder) => ({
          id: `expire-${folder}`,
          prefix: this.prefix + STATE_FOLDERS[folder],
          expiration: stateDays,
        })),
        // Incidents are listed by reports, so they live as long; an open incident is rewritten at each reminder,
        // which restarts its age. The load balancer records never expire: one small object per load balancer.
        ...(['reports', 'incidents'] as const).map((folder) => ({
          id: `expire-${folder}`,
          prefix: this.prefix + STATE_FOLDERS[folder],
          expiration: Duration.days(props.reportRetentionDays ?? 400),
        })),
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }

  /** ARN pattern of the objects in one state folder. */
  folderObjectsArn(folder: keyof typeof STATE_FOLDERS): string {
    return this.bucket.arnForObjects(`${this.prefix}${STATE_FOLDERS[folder]}*`);
  }
}
