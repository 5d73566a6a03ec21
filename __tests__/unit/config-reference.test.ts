import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "../../config/zod";
import { referenceList, referenceRows, UndocumentedFieldError, withReference } from "../../config/reference-markdown";
import { environmentSchema } from "../../config/schema";

const README = join(__dirname, "../../docs/environments.md");

describe("the config reference in docs/environments.md", () => {
  test("GIVEN the schema WHEN the reference is generated THEN docs/environments.md already holds it (else run npm run docs:config)", () => {
    const readme = readFileSync(README, "utf8");

    expect(readme).toBe(withReference(readme, environmentSchema));
  });

  test("GIVEN a page without the markers WHEN the reference is written THEN it fails naming the markers", () => {
    expect(() => withReference("# no markers here\n", environmentSchema)).toThrow(
      /docs\/environments\.md: the config reference markers are missing; put <!-- config-reference:start/,
    );
  });
});

describe("referenceRows", () => {
  test("GIVEN described fields WHEN listed THEN type, range, default or required-ness and description come from the schema", () => {
    const schema = z.strictObject({
      name: z.enum(["a", "b"]).meta({ description: "Which one." }),
      size: z.number().int().min(1).max(9).default(3).meta({ description: "How big." }),
      label: z.string().optional().meta({ description: "Shown to people." }),
    });

    expect(referenceRows(schema)).toEqual([
      { field: "name", type: '"a" | "b"', default: "required", description: "Which one." },
      { field: "size", type: "whole number 1-9", default: "3", description: "How big." },
      { field: "label", type: "string", default: "optional", description: "Shown to people." },
    ]);
  });

  test("GIVEN a record and fields sharing one shape WHEN listed THEN a placeholder key and one row for the shared shape", () => {
    const limit = z.strictObject({ max: z.number().meta({ description: "Upper bound." }) }).meta({ description: "A limit." });
    const schema = z.strictObject({
      queues: z
        .record(z.string(), z.strictObject({ read: limit, write: limit }))
        .default({})
        .meta({ description: "Queues by name." }),
    });

    expect(referenceRows(schema)).toEqual([
      { field: "queues", type: "{ [name]: { read, write } }", default: "{}", description: "Queues by name." },
      { field: "queues.<queue>.{read,write}", type: "{ max }", default: "required", description: "A limit." },
      { field: "queues.<queue>.{read,write}.max", type: "number", default: "required", description: "Upper bound." },
    ]);
  });

  test("GIVEN a discriminated union WHEN listed THEN each variant's fields carry the discriminator", () => {
    const schema = z.strictObject({
      billing: z
        .discriminatedUnion("mode", [
          z.strictObject({ mode: z.literal("FIXED"), units: z.number().meta({ description: "Units." }) }),
          z.strictObject({ mode: z.literal("AUTO"), ceiling: z.number().meta({ description: "Ceiling." }) }),
        ])
        .meta({ description: "How it is billed." }),
    });

    expect(referenceRows(schema)).toEqual([
      {
        field: "billing",
        type: '{ mode: "FIXED", units } | { mode: "AUTO", ceiling }',
        default: "required",
        description: "How it is billed.",
      },
      { field: "billing.units", type: "number", default: "required", description: '(mode: "FIXED") Units.' },
      { field: "billing.ceiling", type: "number", default: "required", description: '(mode: "AUTO") Ceiling.' },
    ]);
  });

  test("GIVEN a shape already listed WHEN it appears again THEN the row points to the first listing", () => {
    const location = z.strictObject({ bucket: z.string().meta({ description: "Bucket." }) }).meta({ description: "Where." });
    const schema = z.strictObject({ primary: location, backup: location.optional() });

    expect(referenceRows(schema)).toEqual([
      { field: "primary", type: "{ bucket }", default: "required", description: "Where." },
      { field: "primary.bucket", type: "string", default: "required", description: "Bucket." },
      { field: "backup", type: "{ bucket }", default: "optional", description: "Where. Same fields as primary." },
    ]);
  });

  test("GIVEN a field without a description WHEN listed THEN it fails naming the field and the fix", () => {
    const schema = z.strictObject({ nested: z.strictObject({ bare: z.boolean() }).meta({ description: "Described." }) });

    expect(() => referenceRows(schema)).toThrow(UndocumentedFieldError);
    expect(() => referenceRows(schema)).toThrow(
      "config reference: nested.bare has no description; add .meta({ description: ... }) to the field in the schema, then run npm run docs:config",
    );
  });
});

describe("referenceList", () => {
  test("GIVEN a long description WHEN listed THEN it wraps at 120 columns, never starting a line with a list marker", () => {
    // 55 columns before the description's words; six 9-letter words and "abc" fill 119, so "-" would start line 2.
    const words = "abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abc - next words";
    const schema = z.strictObject({
      tables: z
        .string()
        .default("x")
        .meta({ description: `Keys like <table>. ${words}` }),
    });

    expect(referenceList(schema).split("\n")).toEqual([
      '- `tables`: `string`, default: "x". Keys like \\<table>. abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi',
      "  abc - next words",
    ]);
  });
});
