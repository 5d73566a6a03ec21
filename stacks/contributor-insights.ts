import { DynamodbContributorInsights } from "@cdktf/provider-aws/lib/dynamodb-contributor-insights";
import { Construct } from "constructs";
import type { ContributorInsightsSettings } from "../config/operations";
import type { TableDefinition } from "../tables";

export interface TableContributorInsightsProps {
  readonly definition: TableDefinition;
  /** The table's name token: Terraform enables insights after the table (and its GSIs) exist. */
  readonly tableName: string;
  readonly mode: ContributorInsightsSettings["mode"];
}

/**
 * CloudWatch Contributor Insights on a table and each GSI: the most-throttled (and, in
 * ACCESSED_AND_THROTTLED_KEYS, most-accessed) keys, the first thing to read when a throttle alarm fires.
 * AWS provider 6.25 `aws_dynamodb_contributor_insights` takes `table_name`, `index_name` and `mode`
 * (hashicorp/terraform-provider-aws internal/service/dynamodb/contributor_insights.go; mode validated
 * against ContributorInsightsMode: THROTTLED_KEYS | ACCESSED_AND_THROTTLED_KEYS).
 * Addresses: `aws_dynamodb_contributor_insights.<table>` and `.<table>_<index>`.
 */
export class TableContributorInsights extends Construct {
  constructor(scope: Construct, id: string, props: TableContributorInsightsProps) {
    super(scope, id);
    const { definition, tableName, mode } = props;
    new DynamodbContributorInsights(this, "table", { tableName, mode }).overrideLogicalId(definition.id);
    for (const index of definition.globalIndexes ?? []) {
      new DynamodbContributorInsights(this, index.name, { tableName, indexName: index.name, mode }).overrideLogicalId(
        `${definition.id}_${index.name}`,
      );
    }
  }
}
