import { Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AccountPrincipal, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';

/** Where the access logs are: an existing bucket (the common case) or one this stack creates. */
export type LogBucketSource =
  /** The bucket the load balancers already write to, imported by name: the stack never changes its policy. */
  | { readonly bucketName: string }
  | {
      readonly create: true;
      /**
       * Days after which access logs expire from the created bucket.
       * @default 90 - enough for a quarterly look back; lbwatch itself only reads an object once, when it lands.
       */
      readonly expireAfterDays?: number | undefined;
    };

export interface LogBucketProps {
  readonly source: LogBucketSource;
  /**
   * Key prefix the load balancers write under, as the functions' LOG_PREFIX: `''` or ending in `/`.
   * For a created bucket, ELB log delivery may write only below `<logPrefix>AWSLogs/<this account>/`, so set
   * the load balancer's access-log prefix to `logPrefix` without its trailing slash.
   */
  readonly logPrefix: string;
  /**
   * Legacy ELB log-delivery account ids allowed to write (created bucket only). Regions opened before August 2022
   * deliver ALB/CLB logs from a per-region ELB account (e.g. 127311923021 in us-east-1, 156460612806 in eu-west-1,
   * 054676820928 in eu-central-1; see "Enable access logs" in the ELB guide); newer regions use the
   * `logdelivery.elasticloadbalancing.amazonaws.com` service principal, which is always allowed.
   * @default - the account CDK's region facts know for the stack's region when the stack has a concrete region;
   *   none for an environment-agnostic stack (the default of this app), so pass the id for an older region.
   */
  readonly elbAccountIds?: readonly string[] | undefined;
  /**
   * What happens to a created bucket on `cdk destroy`.
   * @default RemovalPolicy.RETAIN - access logs are evidence; deleting them is a separate, deliberate act.
   */
  readonly removalPolicy?: RemovalPolicy | undefined;
}

/**
 * The access-log bucket. Imported by name it is used as is (lbwatch only reads below the log prefix and adds
 * event notifications); created, it is encrypted with SSE-S3 (the only encryption ELB log delivery supports),
 * private, TLS-only, expires old logs and lets ELB log delivery write.
 */
export class LogBucket extends Construct {
  readonly bucket: IBucket;
  /** True when this stack owns the bucket. */
  readonly created: boolean;
  private readonly logPrefix: string;

  constructor(scope: Construct, id: string, props: LogBucketProps) {
    super(scope, id);
    this.logPrefix = props.logPrefix;
    if ('bucketName' in props.source) {
      this.bucket = Bucket.fromBucketName(this, 'Imported', props.source.bucketName);
      this.created = false;
      return;
    }
    const bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.source.expireAfterDays ?? 90),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    const deliveryKeys = bucket.arnForObjects(`${props.logPrefix}AWSLogs/${Aws.ACCOUNT_ID}/*`);
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ElbLogDelivery',
        principals: [new ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [deliveryKeys],
      }),
    );
    const legacyAccounts = props.elbAccountIds ?? defaultElbAccounts(Stack.of(this).region);
    if (legacyAccounts.length > 0) {
      bucket.addToResourcePolicy(
        new PolicyStatement({
          sid: 'ElbLogDeliveryLegacyRegions',
          principals: legacyAccounts.map((account) => new AccountPrincipal(account)),
          actions: ['s3:PutObject'],
          resources: [deliveryKeys],
        }),
      );
    }
    this.bucket = bucket;
    this.created = true;
  }

  /** ARN pattern of the access-log objects, the only keys lbwatch may read from this bucket. */
  logObjectsArn(): string {
    return this.bucket.arnForObjects(`${this.logPrefix}*`);
  }
}

function defaultElbAccounts(region: string): string[] {
  if (Token.isUnresolved(region)) return [];
  const account = RegionInfo.get(region).elbv2Account;
  return account === undefined ? [] : [account];
}
