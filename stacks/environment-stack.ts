import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { DataTerraformRemoteStateS3 } from "cdktf";
import type { Construct } from "constructs";
import type { CreatedOrGiven } from "../config/created-or-given";
import { stackName } from "../config/environment-bounds";
import type { Environment } from "../config/schema";
import type { PendingChanges } from "../guards/schema-lock";
import { inEnvironmentAccount } from "./environment-account";
import { OperationalTable } from "./operational-table";
import { SelfContainedStack } from "./self-contained-stack";
import { addOperations } from "./operations";
import { TABLE_DEFINITIONS, type TableDefinition, type TableId } from "../tables";

/**
 * One environment: its own S3 state (encrypted, S3-native locking), an AWS provider pinned to the
 * environment's account, an optional customer-managed KMS key, and the four operational tables.
 */
export class EnvironmentStack extends SelfContainedStack {
  readonly tables: Record<string, OperationalTable> = {};

  constructor(
    scope: Construct,
    readonly environment: Environment,
    definitions: readonly TableDefinition[] = TABLE_DEFINITIONS,
    /** Changes pending in schema.lock.json, by table. */
    pending: Readonly<Record<string, PendingChanges>> = {},
  ) {
    super(scope, stackName(environment));
    inEnvironmentAccount(this, environment, environment.state.key);

    const { protection } = environment;
    const kmsKeyArn = this.kmsKeyArn();
    for (const definition of definitions) {
      this.tables[definition.id] = new OperationalTable(this, definition.id, {
        definition,
        tableName: `${environment.tableNamePrefix}${definition.id}`,
        settings: environment.tables[definition.id as TableId],
        protection: { ...protection, kmsKeyArn },
        breakGlassRoleArn: environment.auditLogBreakGlassRoleArn,
        pending: pending[definition.id],
      });
    }
    addOperations(this, { environment, tables: this.tables, kmsKeyArn, givenArn: (reference) => this.givenArn(reference) });
  }

  /** The customer-managed key for the tables: created here, given as an ARN, or another team's output. */
  private kmsKeyArn(): string | undefined {
    const { kmsKey } = this.environment.protection;
    if (kmsKey === undefined) return undefined;
    if (kmsKey === "create") {
      const key = new KmsKey(this, "tables-kms-key", {
        description: `Encrypts the opsdata ${this.environment.name} DynamoDB tables`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        // Deleting the key makes every table, its PITR history and its backups unreadable: with
        // preventDestroy (required in prod) no config change or destroy can schedule its deletion.
        lifecycle: { preventDestroy: this.environment.protection.preventDestroy },
      });
      key.overrideLogicalId("dynamodb_tables");
      new KmsAlias(this, "tables-kms-alias", {
        name: `alias/${this.environment.tableNamePrefix}dynamodb`.replace(/_/g, "-"),
        targetKeyId: key.keyId,
      }).overrideLogicalId("dynamodb_tables");
      return key.arn;
    }
    return this.givenArn(kmsKey);
  }

  /** An ARN given in config: literally, or as another team's remote-state output. */
  givenArn(reference: Exclude<CreatedOrGiven, "create">): string {
    if ("arn" in reference) return reference.arn;
    return this.remoteState(reference.remoteState).getString(reference.output);
  }

  /** Another team's S3 state, read with `terraform_remote_state` (data.terraform_remote_state.<name>). */
  private remoteState(name: string): DataTerraformRemoteStateS3 {
    const existing = this.node.tryFindChild(`remote-state-${name}`);
    if (existing) return existing as DataTerraformRemoteStateS3;
    const location = this.environment.remoteStates[name];
    const state = new DataTerraformRemoteStateS3(this, `remote-state-${name}`, {
      bucket: location.bucket,
      key: location.key,
      region: location.region,
    });
    state.overrideLogicalId(name);
    return state;
  }
}
