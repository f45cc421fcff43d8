import { Arn, ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** The secret whose string is the webhook URL (the URL carries a token: never in the template). */
export type WebhookSecretRef =
  /** The secret's complete ARN (with its 6-character suffix): the grant then names exactly that secret. */
  | { readonly secretArn: string }
  /** The secret's name: the grant has to match the unknown suffix (`<name>-??????`), one secret's versions. */
  | { readonly secretName: string };

export interface AlertDestinationsProps {
  /**
   * An address subscribed to the topic. AWS mails a confirmation link first; nothing arrives before it is clicked.
   * @default - no subscription: subscribe chat or paging tools to the topic yourself.
   */
  readonly email?: string | undefined;
  /**
   * The webhook URL's secret; the functions read it once per cold start.
   * @default - no webhook: alerts go to the topic only.
   */
  readonly webhookSecret?: WebhookSecretRef | undefined;
  /**
   * Encrypt the topic with a customer-managed KMS key that CloudWatch alarms may use (the AWS-managed SNS key
   * cannot be used by CloudWatch, so alarms would silently not arrive). The key costs about 1 USD a month.
   * @default false - SNS messages are still TLS in transit (the topic refuses plain HTTP publishers)
   */
  readonly encryptTopic?: boolean | undefined;
}

/**
 * Where alerts, report announcements and the stack's own alarms go: one SNS topic (TLS-only) and optionally a
 * webhook whose URL lives in Secrets Manager.
 */
export class AlertDestinations extends Construct {
  readonly topic: Topic;
  /** The topic's key when encryptTopic is set. */
  readonly topicKey: Key | undefined;
  readonly webhookSecret: ISecret | undefined;
  /** Resource ARN used in the GetSecretValue statement (a `-??????` pattern when the secret is given by name). */
  private readonly webhookSecretResource: string | undefined;

  constructor(scope: Construct, id: string, props: AlertDestinationsProps = {}) {
    super(scope, id);
    if (props.encryptTopic === true) {
      this.topicKey = new Key(this, 'TopicKey', {
        description: 'lbwatch alert topic',
        enableKeyRotation: true,
        // The key protects messages in flight only; once the topic is gone nothing needs it.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      this.topicKey.addToResourcePolicy(
        new PolicyStatement({
          sid: 'CloudWatchAlarmsPublish',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          // In a key policy `*` means this key.
          resources: ['*'],
        }),
      );
    } else {
      this.topicKey = undefined;
    }
    this.topic = new Topic(this, 'Topic', {
      displayName: 'lbwatch alerts',
      enforceSSL: true,
      ...(this.topicKey === undefined ? {} : { masterKey: this.topicKey }),
    });
    if (props.email !== undefined) {
      this.topic.addSubscription(new EmailSubscription(props.email));
    }
    const ref = props.webhookSecret;
    if (ref === undefined) {
      this.webhookSecret = undefined;
      this.webhookSecretResource = undefined;
    } else if ('secretArn' in ref) {
      this.webhookSecret = Secret.fromSecretCompleteArn(this, 'WebhookSecret', ref.secretArn);
      this.webhookSecretResource = ref.secretArn;
    } else {
      this.webhookSecret = Secret.fromSecretNameV2(this, 'WebhookSecret', ref.secretName);
      this.webhookSecretResource = Arn.format(
        {
          service: 'secretsmanager',
          resource: 'secret',
          resourceName: `${ref.secretName}-??????`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        },
        Stack.of(this),
      );
    }
  }

  /** Environment the functions read: ALERT_TOPIC_ARN and, with a webhook, ALERT_WEBHOOK_SECRET_ARN. */
  environment(): Record<string, string> {
    return {
      ALERT_TOPIC_ARN: this.topic.topicArn,
      ...(this.webhookSecret === undefined ? {} : { ALERT_WEBHOOK_SECRET_ARN: this.webhookSecret.secretArn }),
    };
  }

  /** sns:Publish on this topic only (with its key, if any), and GetSecretValue on the webhook secret only. */
  grantSend(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'PublishAlerts', actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    if (this.topicKey !== undefined) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'EncryptAlerts',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [this.topicKey.keyArn],
        }),
      );
    }
    if (this.webhookSecretResource !== undefined) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'ReadWebhookSecret',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [this.webhookSecretResource],
        }),
      );
    }
  }
}
