import type { TableSettings } from "./schema";
import type { PendingChanges } from "../guards/schema-lock";

/**
 * Attributes Terraform leaves alone so it never fights the autoscaler. AWS provider 6.25 cannot
 * ignore one GSI's capacity (only the whole `global_secondary_index` set), so an autoscaled table's
 * GSIs are ignored as a whole, except while a GSI change accepted in schema.lock.json is pending
 * (guards/schema-lock.ts).
 */
export function ignoredAttributes(settings: TableSettings, hasIndexes: boolean, pending: PendingChanges): string[] {
  // Switching PAY_PER_REQUEST -> PROVISIONED sends ProvisionedThroughput from read_capacity/
  // write_capacity and, for every GSI, from global_secondary_index (hashicorp/terraform-provider-aws
  // internal/service/dynamodb/table.go, resourceTableUpdate: "Must update all indexes when switching
  // BillingMode from PAY_PER_REQUEST to PROVISIONED"). Ignored, they would keep the on-demand state's
  // values and the switch would fail, so while the switch is pending nothing is ignored.
  if (settings.capacity.mode !== "PROVISIONED" || pending.applyBillingModeSwitch) return [];
  const ignored = ["read_capacity", "write_capacity"];
  if (hasIndexes && !pending.applyIndexChanges) ignored.push("global_secondary_index");
  return ignored;
}
