/**
 * What "append-only" (TableDefinition.appendOnly) means on AWS: the actions the table's resource
 * policy denies. Plain data, so the construct that writes the policy and the schema guard that
 * explains losing it (guards/schema-lock.ts) name the same list.
 */
/**
 * Denied to every principal but the break-glass role on an append-only table. Only actions a
 * DynamoDB resource policy can deny are listed ("DynamoDB API operations supported by
 * resource-based policies", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/rbac-iam-actions.html).
 * PutItem is absent: a writer's `attribute_not_exists` condition stops overwrites, IAM cannot.
 * UpdateTable is absent too: Application Auto Scaling changes capacity through it and no condition
 * key tells a capacity change from turning off the stream or deletion protection (the plan guard
 * refuses those). Deny statements also bind the deploy role: changing TTL, PITR or this policy
 * needs the break-glass role (docs/tables.md, "audit_logs immutability"; docs/adr/0003).
 */
export const APPEND_ONLY_DENIED_ACTIONS = [
  // entries
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
  // the table, and what expires or restores its entries
  "dynamodb:DeleteTable",
  "dynamodb:UpdateTimeToLive",
  "dynamodb:UpdateContinuousBackups",
  // the audit archive's feed (stacks/audit-archive.ts): stopping or changing the Kinesis destination
  // outside Terraform would let TTL delete entries that were never archived. The rbac-iam-actions
  // page above names DisableKinesisStreamingDestination among the resource-policy actions (same
  // account only, as for UpdateTimeToLive).
  "dynamodb:DisableKinesisStreamingDestination",
  "dynamodb:UpdateKinesisStreamingDestination",
  // the policy itself
  "dynamodb:PutResourcePolicy",
  "dynamodb:DeleteResourcePolicy",
];
