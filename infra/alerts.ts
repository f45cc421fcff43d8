import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
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
}

/**
 * Where alerts, report announcements and the stack's own alarms go: one SNS topic (TLS-only) and optionally a
 * webhook whose URL lives in Secrets Manager.
 */
export class AlertDestinations extends Construct {
  readonly topic: Topic;
  readonly webhookSecret: ISecret | undefined;
  /** Resource ARN used in the GetSecretValue statement (a `-??????` pattern when the secret is given by name). */
  private readonly webhookSecretResource: string | undefined;

  constructor(scope: Construct, id: string, props: AlertDestinationsProps = {}) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'lbwatch alerts', enforceSSL: true });
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

  /** sns:Publish on this topic only, and GetSecretValue on the webhook secret only. */
  grantSend(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'PublishAlerts', actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
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
