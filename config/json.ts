/** A JSON object, as parsed from a file or built for one. */
export type Json = Record<string, unknown>;

/** Whether `value` is a JSON object: not null, not an array. */
export const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
