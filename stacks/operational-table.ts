import { DynamodbResourcePolicy } from "@cdktf/provider-aws/lib/dynamodb-resource-policy";
import { DynamodbTable, type DynamodbTableGlobalSecondaryIndex } from "@cdktf/provider-aws/lib/dynamodb-table";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import type { TableSettings } from "../config/schema";
import { ignoredAttributes } from "../config/ignored-attributes";
import { NOTHING_PENDING, type PendingChanges } from "../guards/schema-lock";
import { CapacityAutoscaling } from "./capacity-autoscaling";
import type { GlobalIndexDefinition, TableDefinition } from "../tables";
import { APPEND_ONLY_DENIED_ACTIONS } from "../tables/append-only";
import { attributeDefinitions, validateTableDefinition } from "../tables/validate-definition";

export interface TableProtection {
  readonly pointInTimeRecovery: { readonly enabled: boolean; readonly recoveryPeriodInDays: number };
  readonly deletionProtection: boolean;
  readonly preventDestroy: boolean;
  /** Customer-managed key; undefined keeps DynamoDB's AWS-owned key. */
  readonly kmsKeyArn?: string;
}

export interface OperationalTableProps {
  readonly definition: TableDefinition;
  /** Physical name: the environment's prefix + the definition's id. */
  readonly tableName: string;
  readonly settings: TableSettings;
  readonly protection: TableProtection;
  /** Only principal allowed to modify entries of an append-only table. */
  readonly breakGlassRoleArn: string;
  /** Changes accepted in schema.lock.json that Terraform must apply this time. @default none */
  readonly pending?: PendingChanges;
}

/** Terraform-safe address fragment for an index name (addresses may not contain dots). */
const addressFragment = (name: string) => name.replace(/[^a-zA-Z0-9_-]/g, "_");

/**
 * One operational DynamoDB table: the table with TTL, its capacity (on-demand caps or autoscaling
 * for the table and every GSI), protection, and the outputs other teams read. Resources keep
 * stable addresses: `aws_dynamodb_table.<id>`, `aws_appautoscaling_target.<id>[_<index>]_<read|write>`.
 */
export class OperationalTable extends Construct {
  /** The table contract this table was built from (alarms and insights follow the same one). */
  readonly definition: TableDefinition;
  readonly table: DynamodbTable;
  readonly autoscaling: CapacityAutoscaling[] = [];

  constructor(scope: Construct, id: string, props: OperationalTableProps) {
    super(scope, id);
    const { definition, settings, protection, tableName } = props;
    validateTableDefinition(definition);
    this.definition = definition;
    const { capacity } = settings;
    const provisioned = capacity.mode === "PROVISIONED";
    const indexes = definition.globalIndexes ?? [];

    const ignoreChanges = ignoredAttributes(settings, indexes.length > 0, props.pending ?? NOTHING_PENDING);
    this.table = new DynamodbTable(this, "table", {
      name: tableName,
      billingMode: capacity.mode,
      hashKey: definition.partitionKey.name,
      rangeKey: definition.sortKey?.name,
      attribute: attributeDefinitions(definition),
      globalSecondaryIndex: indexes.map((index) => this.globalIndex(index, settings)),
      ttl: { attributeName: definition.timeToLiveAttribute, enabled: true },
      // Created at min; the autoscaler owns the value from then on (see ignoreChanges).
      readCapacity: provisioned ? capacity.read.min : undefined,
      writeCapacity: provisioned ? capacity.write.min : undefined,
      onDemandThroughput: provisioned
        ? undefined
        : { maxReadRequestUnits: capacity.maxReadRequestUnits, maxWriteRequestUnits: capacity.maxWriteRequestUnits },
      streamEnabled: definition.stream !== undefined,
      streamViewType: definition.stream,
      tableClass: definition.tableClass ?? "STANDARD",
      pointInTimeRecovery: protection.pointInTimeRecovery.enabled
        ? { enabled: true, recoveryPeriodInDays: protection.pointInTimeRecovery.recoveryPeriodInDays }
        : { enabled: false },
      deletionProtectionEnabled: protection.deletionProtection,
      serverSideEncryption: protection.kmsKeyArn ? { enabled: true, kmsKeyArn: protection.kmsKeyArn } : undefined,
      lifecycle: {
        preventDestroy: protection.preventDestroy,
        ignoreChanges: ignoreChanges.length > 0 ? ignoreChanges : undefined,
      },
    });
    this.table.overrideLogicalId(definition.id);
    if (settings.adoptExisting) this.table.importFrom(tableName);

    if (capacity.mode === "PROVISIONED") {
      const importTargets = settings.adoptExisting?.autoscalingTargets ?? false;
      const scopes = [
        { scope: "table" as const, path: "", range: capacity, address: definition.id },
        ...indexes.map((index) => ({
          scope: "index" as const,
          path: `/index/${index.name}`,
          range: capacity.indexes[index.name] ?? capacity,
          address: `${definition.id}_${addressFragment(index.name)}`,
        })),
      ];
      for (const { scope, path, range, address } of scopes) {
        for (const kind of ["read", "write"] as const) {
          this.autoscaling.push(
            new CapacityAutoscaling(this, `${address}_${kind}`, {
              // The table's name token makes Terraform create the table before the target.
              resourceId: `table/${this.table.name}${path}`,
              importResourceId: importTargets ? `table/${tableName}${path}` : undefined,
              scope,
              kind,
              range: range[kind],
              address: `${address}_${kind}`,
            }),
          );
        }
      }
    }

    if (definition.appendOnly) this.denyEntryChanges(definition.id, props.breakGlassRoleArn, protection.preventDestroy);
    this.addOutputs(definition);
  }

  private globalIndex(index: GlobalIndexDefinition, settings: TableSettings): DynamodbTableGlobalSecondaryIndex {
    const { capacity } = settings;
    const projection = index.projection;
    const base = {
      name: index.name,
      hashKey: index.partitionKey.name,
      rangeKey: index.sortKey?.name,
      projectionType: projection.type,
      nonKeyAttributes: projection.type === "INCLUDE" ? [...projection.nonKeyAttributes] : undefined,
    };
    if (capacity.mode === "PROVISIONED") {
      const indexCapacity = capacity.indexes[index.name] ?? capacity;
      return { ...base, readCapacity: indexCapacity.read.min, writeCapacity: indexCapacity.write.min };
    }
    const caps = capacity.indexes[index.name] ?? capacity;
    return {
      ...base,
      onDemandThroughput: { maxReadRequestUnits: caps.maxReadRequestUnits, maxWriteRequestUnits: caps.maxWriteRequestUnits },
    };
  }

  /** AWS enforces immutability: only the break-glass role may modify or delete entries. */
  private denyEntryChanges(tableId: string, breakGlassRoleArn: string, preventDestroy: boolean) {
    const policy = new DynamodbResourcePolicy(this, "append-only-policy", {
      resourceArn: this.table.arn,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyEntryChangesExceptBreakGlass",
            Effect: "Deny",
            Principal: "*",
            Action: APPEND_ONLY_DENIED_ACTIONS,
            Resource: this.table.arn,
            Condition: { ArnNotEquals: { "aws:PrincipalArn": breakGlassRoleArn } },
          },
        ],
      }),
      // Destroying the policy lifts immutability: with preventDestroy (required in prod) Terraform refuses.
      lifecycle: { preventDestroy },
    });
    policy.overrideLogicalId(tableId);
  }

  private addOutputs(definition: TableDefinition) {
    const output = (suffix: string, value: unknown, description: string) =>
      new TerraformOutput(this, `${definition.id}_${suffix}`, { value, description, staticId: true });
    output("table_name", this.table.name, `Name of the ${definition.id} table`);
    output("table_arn", this.table.arn, `ARN of the ${definition.id} table`);
    if (definition.stream) {
      output("stream_arn", this.table.streamArn, `ARN of the ${definition.id} change stream (${definition.stream})`);
    }
    output(
      "index_names",
      (definition.globalIndexes ?? []).map((index) => index.name),
      `Global secondary index names of the ${definition.id} table`,
    );
  }
}
