import type { TableSettings } from "./schema";

/**
 * Attributes Terraform leaves alone so it never fights the autoscaler. AWS provider 6.25 cannot
 * ignore one GSI's capacity (only the whole `global_secondary_index` set), so autoscaled GSIs are
 * ignored as a whole and the schema lock refuses GSI changes unless `applyIndexChanges` is set, and
 * a switch to PROVISIONED unless `applyBillingModeSwitch` is set.
 */
export function ignoredAttributes(settings: TableSettings, hasIndexes: boolean): string[] {
  // Switching PAY_PER_REQUEST -> PROVISIONED sends ProvisionedThroughput from read_capacity/
  // write_capacity and, for every GSI, from global_secondary_index (hashicorp/terraform-provider-aws
  // internal/service/dynamodb/table.go, resourceTableUpdate: "Must update all indexes when switching
  // BillingMode from PAY_PER_REQUEST to PROVISIONED"). Ignored, they would keep the on-demand state's
  // values and the switch would fail, so that one deploy ignores nothing.
  if (settings.capacity.mode !== "PROVISIONED" || settings.applyBillingModeSwitch) return [];
  const ignored = ["read_capacity", "write_capacity"];
  if (hasIndexes && !settings.applyIndexChanges) ignored.push("global_secondary_index");
  return ignored;
}
