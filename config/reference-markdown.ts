/**
 * The config reference in docs/environments.md, generated from the zod schema: descriptions come from each
 * field's `.meta({ description })`, defaults from its `.default()`, types and ranges from its checks.
 * It walks the schema's JSON Schema (zod's `z.toJSONSchema`, the author's input view), so any field
 * added to the schema appears without touching this file. `npm run docs:config` rewrites that page;
 * a unit test fails while they differ.
 */
import * as z from "./zod";

/** The subset of JSON Schema that zod emits for our schema. */
interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
}

export interface ReferenceRow {
  /** Dotted path; `<table>` stands for a key the author chooses (or one of many fixed keys), `{a,b}` for fields sharing one shape. */
  readonly field: string;
  readonly type: string;
  /** The default, "required", or "optional" (absent means off/none: the description says what). */
  readonly default: string;
  readonly description: string;
}

export class UndocumentedFieldError extends Error {
  constructor(readonly fields: readonly string[]) {
    super(
      `config reference: ${fields.join(", ")} ${fields.length === 1 ? "has" : "have"} no description; ` +
        "add .meta({ description: ... }) to the field in the schema, then run npm run docs:config",
    );
    this.name = "UndocumentedFieldError";
  }
}

const variantsOf = (node: JsonSchema) => node.oneOf ?? node.anyOf;
/** The placeholder for a key the author chooses (or one of many fixed keys): `tables` -> `<table>`. */
const placeholderFor = (path: string) => {
  const last = path.slice(path.lastIndexOf(".") + 1);
  return `<${/(x|s|sh|ch)es$/.test(last) ? last.slice(0, -2) : last.replace(/s$/, "")}>`;
};
const isObject = (node: JsonSchema) => node.type === "object";
const isRecord = (node: JsonSchema) => isObject(node) && !node.properties && typeof node.additionalProperties === "object";

function typeOf(node: JsonSchema): string {
  const variants = variantsOf(node);
  if (variants) return variants.map(typeOf).join(" | ");
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum) return node.enum.map((value) => JSON.stringify(value)).join(" | ");
  if (isRecord(node)) return `{ [name]: ${typeOf(node.additionalProperties as JsonSchema)} }`;
  if (node.properties) {
    const required = new Set(node.required ?? []);
    const fields = Object.entries(node.properties).map(([key, property]) =>
      property.const !== undefined ? `${key}: ${JSON.stringify(property.const)}` : required.has(key) ? key : `${key}?`,
    );
    return `{ ${fields.join(", ")} }`;
  }
  if (node.type === "array" && node.items) return `${typeOf(node.items)}[]`;
  if (node.type === "integer" || node.type === "number") {
    const range = node.minimum !== undefined && node.maximum !== undefined ? ` ${node.minimum}-${node.maximum}` : "";
    return `${node.type === "integer" ? "whole number" : "number"}${range}`;
  }
  if (node.type === "string" && node.minLength) return "non-empty string";
  return node.type ?? "any";
}

function defaultOf(node: JsonSchema, required: boolean): string {
  if ("default" in node) {
    const value = node.default;
    // A non-empty object default is its fields' defaults, listed on their own rows.
    if (value && typeof value === "object" && Object.keys(value).length > 0 && node.properties) return "each field's default";
    return JSON.stringify(value);
  }
  return required ? "required" : "optional";
}

/** The key whose `const` tells an object variant apart, e.g. `mode` in `{ mode: "PROVISIONED", ... }`. */
const discriminatorOf = (variant: JsonSchema) =>
  Object.entries(variant.properties ?? {}).find(([, property]) => property.const !== undefined);

/** Lists every field of a schema, depth first, in declaration order; throws if one has no description. */
export function referenceRows(schema: z.ZodType): ReferenceRow[] {
  const root = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const rows: ReferenceRow[] = [];
  const undocumented: string[] = [];
  // A shape already listed at another path is referred to instead of listed again.
  const listedAt = new Map<string, string>();

  const visitFields = (node: JsonSchema, path: string, condition?: string, skip?: string) => {
    const properties = Object.entries(node.properties ?? {}).filter(([key]) => key !== skip);
    const required = new Set(node.required ?? []);
    // Fields with one identical shape (read/write, the four tables) are listed once.
    const groups = new Map<string, string[]>();
    for (const [key, property] of properties) {
      const shape = `${required.has(key)} ${JSON.stringify(property)}`;
      groups.set(shape, [...(groups.get(shape) ?? []), key]);
    }
    for (const keys of groups.values()) {
      // Many fixed keys sharing one shape (the tables) read better as a placeholder than spelled out.
      const placeholder = keys.length > 2 && keys.length === properties.length;
      const segment = keys.length === 1 ? keys[0] : placeholder ? placeholderFor(path) : `{${keys.join(",")}}`;
      const note = placeholder ? `One entry each for ${keys.join(", ")}.` : "";
      const field = path ? `${path}.${segment}` : segment;
      visit(node.properties![keys[0]], field, required.has(keys[0]), condition, note);
    }
  };

  const visit = (node: JsonSchema, field: string, required: boolean, condition: string | undefined, note: string) => {
    const shape = JSON.stringify(node);
    const variants = (variantsOf(node) ?? []).filter((variant) => variant.properties);
    const nested = node.properties !== undefined || isRecord(node) || variants.length > 0;
    const seenAt = listedAt.get(shape);
    const description = [
      condition ? `(${condition})` : "",
      node.description ?? "",
      note,
      seenAt && nested ? `Same fields as ${seenAt}.` : "",
    ]
      .filter(Boolean)
      .join(" ");
    if (!node.description) undocumented.push(field);
    rows.push({ field, type: typeOf(node), default: defaultOf(node, required), description });
    if (!nested || seenAt) return;
    listedAt.set(shape, field);
    if (node.properties) visitFields(node, field);
    const entry = isRecord(node) ? (node.additionalProperties as JsonSchema) : undefined;
    if (entry?.properties) visitFields(entry, `${field}.${placeholderFor(field)}`);
    for (const variant of variants) {
      const [key, discriminator] = discriminatorOf(variant) ?? [];
      visitFields(variant, field, key ? `${key}: ${JSON.stringify(discriminator!.const)}` : undefined, key);
    }
  };

  visitFields(root, "");
  if (undocumented.length > 0) throw new UndocumentedFieldError(undocumented);
  return rows;
}

/** Markdown text: `<table>` kept visible outside code spans. */
const text = (value: string) => value.replace(/</g, "\\<");
const code = (value: string) => `\`${value}\``;

/** Where a continuation line must not start: it would begin a list, heading, quote or block. */
const startsBlock = /^([-+*#>|]|\d+[.)])(\s|$)/;

/**
 * Wraps a list item at `width` columns (the docs' limit), continuation lines indented by two spaces.
 * Breaks only at spaces; a word that would start a new block at the head of a line (`-`, `1.`) takes
 * the word before it along.
 */
function wrapItem(item: string, width: number): string[] {
  const lines: string[][] = [[]];
  const length = (words: string[]) => words.join(" ").length + (lines.length > 1 ? 2 : 0);
  for (const word of item.split(" ")) {
    const line = lines[lines.length - 1];
    if (line.length > 0 && length([...line, word]) > width) {
      const carried = startsBlock.test(word) && line.length > 1 ? [line.pop()!] : [];
      lines.push([...carried, word]);
    } else {
      line.push(word);
    }
  }
  return lines.map((words, i) => (i === 0 ? "" : "  ") + words.join(" "));
}

/** The reference as a Markdown list, one item per field, no line wider than 120 columns. */
export function referenceList(schema: z.ZodType): string {
  const lines: string[] = [];
  for (const { field, type, default: defaultValue, description } of referenceRows(schema)) {
    const presence = defaultValue === "required" || defaultValue === "optional" ? defaultValue : `default: ${text(defaultValue)}`;
    lines.push(...wrapItem(`- ${code(field)}: ${code(type)}, ${presence}. ${text(description)}`, 120));
  }
  return lines.join("\n");
}

export const REFERENCE_START = "<!-- config-reference:start: generated from config/schema.ts by npm run docs:config -->";
export const REFERENCE_END = "<!-- config-reference:end -->";

/** The page with the text between the markers replaced by the generated reference. */
export function withReference(readme: string, schema: z.ZodType, file = "docs/environments.md"): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start === -1 || end < start) {
    throw new Error(`${file}: the config reference markers are missing; put ${REFERENCE_START} and ${REFERENCE_END} where it belongs`);
  }
  // prettier-ignore keeps the formatter from rewriting a list this file owns.
  const block = [REFERENCE_START, "<!-- prettier-ignore-start -->", referenceList(schema), "<!-- prettier-ignore-end -->", ""].join("\n");
  return readme.slice(0, start) + block + readme.slice(end);
}
