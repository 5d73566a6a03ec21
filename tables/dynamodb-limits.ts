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

/**
 * The values DynamoDB accepts for enumerated fields (Amazon DynamoDB API Reference:
 * AttributeDefinition.AttributeType for keys, StreamSpecification.StreamViewType,
 * CreateTable TableClass, Projection.ProjectionType).
 */
export const KEY_ATTRIBUTE_TYPES = ["S", "N", "B"] as const;
export const STREAM_VIEW_TYPES = ["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"] as const;
export const TABLE_CLASSES = ["STANDARD", "STANDARD_INFREQUENT_ACCESS"] as const;
export const PROJECTION_TYPES = ["ALL", "KEYS_ONLY", "INCLUDE"] as const;
