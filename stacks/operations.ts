import { stackRolesBoundaryArn } from "./atlantis-role-policies";
import { Fn, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { CreatedOrGiven } from "../config/created-or-given";
import type { Environment } from "../config/schema";
import type { TableId } from "../tables";
import { AuditArchive } from "./audit-archive";
import { TableContributorInsights } from "./contributor-insights";
import { AlarmTopic } from "./notification-topic";
import type { OperationalTable } from "./operational-table";
import { TableAlarms, accountAlarms, metricAlarm } from "./table-alarms";

export interface OperationsProps {
  readonly environment: Environment;
  /** The stack's tables by id. */
  readonly tables: Readonly<Record<string, OperationalTable>>;
  readonly kmsKeyArn?: string;
  /** Resolves a topic given by ARN or remote-state output (the stack's mechanism, shared with the KMS key). */
  readonly givenArn: (reference: Exclude<CreatedOrGiven, "create">) => string;
}

/**
 * Operating an environment's tables: the alarm topic (`alarm_topic_arn` output), alarms on every
 * table and GSI and on the account, Contributor Insights, and the audit archive, each as configured.
 */
export function addOperations(scope: Construct, props: OperationsProps) {
  const { environment, tables } = props;
  const { alarms, contributorInsights, auditArchive } = environment;
  const hyphenatedPrefix = environment.tableNamePrefix.replace(/_/g, "-");

  let actions: string[] = [];
  if (alarms.enabled) {
    const created =
      alarms.topic === "create"
        ? new AlarmTopic(scope, "alarm-topic", { name: `${hyphenatedPrefix}alarms`, accountId: environment.aws.accountId }).topic
        : undefined;
    const topicArn = created ? created.arn : props.givenArn(alarms.topic as Exclude<typeof alarms.topic, "create">);
    new TerraformOutput(scope, "alarm_topic_arn", {
      value: topicArn,
      description: "SNS topic every opsdata alarm notifies (ALARM and OK); subscribe on-call here",
      staticId: true,
    });
    actions = [topicArn];
    accountAlarms(scope, environment.tableNamePrefix, alarms, actions);
    // A topic that cannot reach on-call makes every other alarm silent. The topic name is the
    // ARN's sixth field (arn:aws:sns:<region>:<account>:<name>), resolved by Terraform for a given ARN.
    metricAlarm(scope, {
      address: "alarm_topic_notifications_failed",
      alarmName: `${environment.tableNamePrefix}alarm topic notifications failed`,
      description:
        'SNS could not deliver alarm notifications to a subscriber after its retries: on-call may not be reached. First step: the topic\'s delivery status logs and subscriptions. Runbook: docs/operations.md, "Alarms".',
      namespace: "AWS/SNS",
      metricName: "NumberOfNotificationsFailed",
      dimensions: { TopicName: created ? created.name : Fn.element(Fn.split(":", topicArn), 5) },
      statistic: "Sum",
      comparison: "GreaterThanThreshold",
      threshold: alarms.alarmTopicFailures.threshold,
      window: alarms.alarmTopicFailures,
      treatMissingData: "notBreaching",
      actions,
    });
  }

  // The definitions the stack's tables were built from (not the shipped tables/, which a caller may replace).
  for (const { definition } of Object.values(tables)) {
    const tableName = `${environment.tableNamePrefix}${definition.id}`;
    const settings = environment.tables[definition.id as TableId];
    if (alarms.enabled) new TableAlarms(scope, `${definition.id}-alarms`, { definition, tableName, settings, alarms, actions });
    if (contributorInsights.enabled) {
      new TableContributorInsights(scope, `${definition.id}-contributor-insights`, {
        definition,
        tableName: tables[definition.id].table.name,
        mode: contributorInsights.mode,
      });
    }
  }

  if (auditArchive.enabled) {
    new AuditArchive(scope, "audit-archive", {
      settings: auditArchive,
      tableId: auditArchive.table,
      tableName: `${environment.tableNamePrefix}${auditArchive.table}`,
      tableNameToken: tables[auditArchive.table].table.name,
      namePrefix: environment.tableNamePrefix,
      accountId: environment.aws.accountId,
      breakGlassRoleArn: environment.auditLogBreakGlassRoleArn,
      kmsKeyArn: props.kmsKeyArn,
      rolesBoundaryArn: environment.atlantis ? stackRolesBoundaryArn(environment.aws.accountId) : undefined,
      alarms: alarms.enabled ? { settings: alarms, actions } : undefined,
    });
  }
}
