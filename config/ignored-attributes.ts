import type { TableSettings } from "./schema";

/**
 * Attributes Terraform leaves alone so it never fights the autoscaler. AWS provider 6.25 cannot
 * ignore one GSI's capacity (only the whole `global_secondary_index` set), so autoscaled GSIs are
 * ignored as a whole and the schema lock refuses GSI changes unless `applyIndexChanges` is set.
 */
export function ignoredAttributes(settings: TableSettings, hasIndexes: boolean): string[] {
  if (settings.capacity.mode !== "PROVISIONED") return [];
  const ignored = ["read_capacity", "write_capacity"];
  if (hasIndexes && !settings.applyIndexChanges) ignored.push("global_secondary_index");
  return ignored;
}
