import { Arn, ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** A Secrets Manager secret holding a destination's credential (a URL or key with a token: never in the template). */
export type SecretRef =
  /** The secret's complete ARN (with its 6-character suffix): the grant then names exactly that secret. */
  | { readonly secretArn: string }
  /** The secret's name: the grant has to match the unknown suffix (`<name>-??????`), one secret's versions. */
  | { readonly secretName: string };

/** The webhook URL's secret (kept for callers of the first version of this construct). */
export type WebhookSecretRef = SecretRef;

/**
 * The destinations whose credential lives in Secrets Manager: the environment variable carrying the secret's ARN
 * to the functions, and the Sid of the one GetSecretValue statement that names it.
 */
export const SECRET_DESTINATIONS = {
  webhook: { env: 'ALERT_WEBHOOK_SECRET_ARN', sid: 'ReadWebhookSecret', id: 'WebhookSecret' },
  slack: { env: 'SLACK_WEBHOOK_SECRET_ARN', sid: 'ReadSlackSecret', id: 'SlackSecret' },
  teams: { env: 'TEAMS_WEBHOOK_SECRET_ARN', sid: 'ReadTeamsSecret', id: 'TeamsSecret' },
  pagerDuty: { env: 'PAGERDUTY_ROUTING_KEY_SECRET_ARN', sid: 'ReadPagerDutySecret', id: 'PagerDutySecret' },
} as const;

export type SecretDestination = keyof typeof SECRET_DESTINATIONS;

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
  readonly webhookSecret?: SecretRef | undefined;
  /**
   * The Slack incoming-webhook URL's secret (SLACK_WEBHOOK_SECRET_ARN).
   * @default - no Slack messages
   */
  readonly slackSecret?: SecretRef | undefined;
  /**
   * The Microsoft Teams workflow webhook URL's secret (TEAMS_WEBHOOK_SECRET_ARN).
   * @default - no Teams messages
   */
  readonly teamsSecret?: SecretRef | undefined;
  /**
   * The PagerDuty Events API v2 routing key's secret (PAGERDUTY_ROUTING_KEY_SECRET_ARN).
   * @default - no PagerDuty events
   */
  readonly pagerDutySecret?: SecretRef | undefined;
  /**
   * Encrypt the topic with a customer-managed KMS key that CloudWatch alarms may use (the AWS-managed SNS key
   * cannot be used by CloudWatch, so alarms would silently not arrive). The key costs about 1 USD a month.
   * @default false - SNS messages are still TLS in transit (the topic refuses plain HTTP publishers)
   */
  readonly encryptTopic?: boolean | undefined;
}

/**
 * Where alerts, report announcements and the stack's own alarms go: one SNS topic (TLS-only) and optionally an
 * email subscription and destinations whose URL or key lives in Secrets Manager (webhook, Slack, Teams, PagerDuty).
 */
export class AlertDestinations extends Construct {
  readonly topic: Topic;
  /** The topic's key when encryptTopic is set. */
  readonly topicKey: Key | undefined;
  /** The imported secret of each configured destination. */
  readonly secrets: Partial<Record<SecretDestination, ISecret>> = {};
  /** Whether anything but the bare topic receives alerts (an email subscription or a secret destination). */
  readonly hasDestination: boolean;
  /** Resource ARN of each GetSecretValue statement (a `-??????` pattern when the secret is given by name). */
  private readonly secretResources: Partial<Record<SecretDestination, string>> = {};

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
    const refs: Record<SecretDestination, SecretRef | undefined> = {
      webhook: props.webhookSecret,
      slack: props.slackSecret,
      teams: props.teamsSecret,
      pagerDuty: props.pagerDutySecret,
    };
    for (const [destination, ref] of Object.entries(refs) as [SecretDestination, SecretRef | undefined][]) {
      if (ref === undefined) continue;
      const { id: secretId } = SECRET_DESTINATIONS[destination];
      if ('secretArn' in ref) {
        this.secrets[destination] = Secret.fromSecretCompleteArn(this, secretId, ref.secretArn);
        this.secretResources[destination] = ref.secretArn;
      } else {
        this.secrets[destination] = Secret.fromSecretNameV2(this, secretId, ref.secretName);
        this.secretResources[destination] = Arn.format(
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
    this.hasDestination = props.email !== undefined || Object.keys(this.secrets).length > 0;
  }

  /** The webhook URL's secret, if any. */
  get webhookSecret(): ISecret | undefined {
    return this.secrets.webhook;
  }

  /** Environment the functions read: ALERT_TOPIC_ARN and the secret ARN of each configured destination. */
  environment(): Record<string, string> {
    const variables: Record<string, string> = { ALERT_TOPIC_ARN: this.topic.topicArn };
    for (const [destination, secret] of Object.entries(this.secrets) as [SecretDestination, ISecret][]) {
      variables[SECRET_DESTINATIONS[destination].env] = secret.secretArn;
    }
    return variables;
  }

  /** sns:Publish on this topic only (with its key, if any), and GetSecretValue on each destination's secret only. */
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
    for (const [destination, resource] of Object.entries(this.secretResources) as [SecretDestination, string][]) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({
          sid: SECRET_DESTINATIONS[destination].sid,
          actions: ['secretsmanager:GetSecretValue'],
          resources: [resource],
        }),
      );
    }
  }
}
