/**
 * DynamoDB's own limits on table definitions, named once. Source: Amazon DynamoDB Developer Guide,
 * "Quotas in Amazon DynamoDB" (naming rules; global secondary indexes per table; projected
 * secondary index attributes per table).
 */

/** Table and index names as DynamoDB accepts them. */
export const DYNAMODB_NAME_PATTERN = /^[a-zA-Z0-9_.-]{3,255}$/;
/** Global secondary indexes per table (default quota). */
export const MAX_GLOBAL_INDEXES = 20;
/** Non-key attributes projected across all of a table's secondary indexes. */
export const MAX_PROJECTED_ATTRIBUTES = 100;
