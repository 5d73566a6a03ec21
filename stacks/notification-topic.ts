import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Construct } from "constructs";

export interface AlarmTopicProps {
  /** e.g. "opsdata-prod-alarms". */
  readonly name: string;
  readonly accountId: string;
}

/**
 * The SNS topic alarms notify, encrypted with its own customer-managed key. CloudWatch cannot
 * publish to a topic encrypted with the AWS-managed `alias/aws/sns` key (its policy cannot be
 * changed to admit cloudwatch.amazonaws.com), so the topic gets a key whose policy does:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
 * Addresses: `aws_sns_topic.alarms`, `aws_kms_key.alarm_topic`, `aws_kms_alias.alarm_topic`.
 */
export class AlarmTopic extends Construct {
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const key = new KmsKey(this, "key", {
      description: `Encrypts the ${props.name} SNS topic; CloudWatch alarms may use it to publish`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdministersKey",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
            Action: "kms:*",
            Resource: "*",
          },
          {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
          },
        ],
      }),
    });
    key.overrideLogicalId("alarm_topic");
    new KmsAlias(this, "alias", { name: `alias/${props.name}-topic`, targetKeyId: key.keyId }).overrideLogicalId("alarm_topic");
    this.topic = new SnsTopic(this, "topic", { name: props.name, kmsMasterKeyId: key.arn });
    this.topic.overrideLogicalId("alarms");
  }
}
