/**
 * The shape of a table definition: plain data that says what a table is (keys, indexes, TTL,
 * stream, class), never how much capacity it gets — that is per-environment config.
 */

import type { KEY_ATTRIBUTE_TYPES, STREAM_VIEW_TYPES, TABLE_CLASSES } from "./dynamodb-limits";

/** DynamoDB scalar attribute types usable in keys. */
export type KeyAttributeType = (typeof KEY_ATTRIBUTE_TYPES)[number];

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

export type IndexProjection =
  | { readonly type: "ALL" }
  | { readonly type: "KEYS_ONLY" }
  /** Keys plus the listed attributes; keeps the index small when readers need only a few fields. */
  | { readonly type: "INCLUDE"; readonly nonKeyAttributes: readonly string[] };

export interface GlobalIndexDefinition {
  /** Index name, `[a-zA-Z0-9_.-]{3,255}`. Part of the contract: services query it by name. */
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly projection: IndexProjection;
  /** The access pattern this index serves (shown in docs/tables.md and outputs' docs). */
  readonly servesPattern: string;
}

export type StreamViewType = (typeof STREAM_VIEW_TYPES)[number];

export type TableClass = (typeof TABLE_CLASSES)[number];

export interface TableDefinition {
  /**
   * Logical id: the table's name without the environment prefix and its Terraform address
   * (`aws_dynamodb_table.<id>`). Changing it is a breaking change for other teams.
   */
  readonly id: string;
  readonly description: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Number attribute holding epoch seconds; DynamoDB deletes the item some time (≤ ~48 h) after. */
  readonly timeToLiveAttribute: string;
  /** @default [] */
  readonly globalIndexes?: readonly GlobalIndexDefinition[];
  /** Emit a change stream with this view. @default no stream */
  readonly stream?: StreamViewType;
  /** @default "STANDARD" */
  readonly tableClass?: TableClass;
  /**
   * Entries are never changed or deleted: a resource policy denies UpdateItem, DeleteItem, their
   * batch/PartiQL forms and DeleteTable to everyone but the environment's break-glass role.
   * @default false
   */
  readonly appendOnly?: boolean;
}
