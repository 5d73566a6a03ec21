/**
 * DynamoDB's item size limit, checked before a write so a too-large item is a clear error and
 * costs nothing. Sizes follow "Item sizes and formats" in the Amazon DynamoDB Developer Guide
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * attribute names and strings count their UTF-8 bytes, a number about 1 byte per 2 significant
 * digits + 1, booleans and null 1 byte, a list or map 3 bytes + 1 byte per element plus its elements.
 */
import { ItemTooLargeError } from "./errors";

/** 400 KB, including attribute names ("Quotas in Amazon DynamoDB", Item size). */
export const MAX_ITEM_BYTES = 400 * 1024;

export function attributeValueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === "boolean") return 1;
  if (typeof value === "string") return Buffer.byteLength(value);
  if (typeof value === "number" || typeof value === "bigint") return Math.ceil(String(value).replace(/[-.]/g, "").length / 2) + 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce<number>((sum, element) => sum + attributeValueBytes(element), 0);
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, element) => sum + 1 + attributeValueBytes(element), 0);
  // A map (the document client marshals every other object as one).
  return 3 + Object.entries(value).reduce((sum, [name, element]) => sum + 1 + Buffer.byteLength(name) + attributeValueBytes(element), 0);
}

export function itemBytes(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + attributeValueBytes(value), 0);
}

/**
 * Throws ItemTooLargeError (naming the field that makes it large) when the item is over `limitBytes`
 * (default DynamoDB's limit; less for an item that later writes make larger).
 */
export function assertItemFits(operation: string, field: string, item: Record<string, unknown>, limitBytes = MAX_ITEM_BYTES): void {
  const bytes = itemBytes(item);
  if (bytes > limitBytes) throw new ItemTooLargeError(operation, field, bytes, limitBytes);
}
