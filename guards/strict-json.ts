/**
 * A strict JSON parser for the files the guards check. JSON.parse keeps the last of two equal keys in an
 * object; terraform's JSON syntax does not (hashicorp/hcl json/structure.go reads every property, so two
 * `resource` keys declare the resources of both), and a checker that sees only the last would pass what
 * terraform loads. This parser refuses a duplicate key anywhere, compared after escapes are decoded
 * ("res\u006furce" is "resource"), and otherwise accepts exactly RFC 8259 JSON. Errors name the position
 * (line and column) and the key path, never the file's text.
 */

/** What is wrong with the text, where: the caller names the file. */
export class StrictJsonError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} at line ${line}, column ${column}`);
  }
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** A JSON path for messages: resource.aws_iam_role["a.b"][0]. */
function pathOf(path: ReadonlyArray<string | number>): string {
  return (
    path
      .map((part, at) =>
        typeof part === "number"
          ? `[${part}]`
          : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(part)
            ? `${at ? "." : ""}${part}`
            : `[${JSON.stringify(part)}]`,
      )
      .join("") || "(top level)"
  );
}

/** JSON.parse, but a duplicate key anywhere is an error naming its path. */
export function parseStrictJson(text: string): unknown {
  let at = 0;
  const fail = (reason: string, position = at): never => {
    const before = text.slice(0, position).split("\n");
    throw new StrictJsonError(reason, before.length, before[before.length - 1].length + 1);
  };
  const skipWhitespace = () => {
    while (WHITESPACE.has(text[at])) at++;
  };
  const expect = (literal: string) => {
    if (!text.startsWith(literal, at)) fail(`expected ${literal}`);
    at += literal.length;
  };

  function string(): string {
    expect('"');
    let value = "";
    for (;;) {
      const char = text[at];
      if (char === undefined) fail("unterminated string");
      if (char === '"') {
        at++;
        return value;
      }
      if (char < " ") fail("control character in a string");
      if (char !== "\\") {
        value += char;
        at++;
        continue;
      }
      const escape = text[at + 1];
      if (escape === "u") {
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("invalid \\u escape");
        value += String.fromCharCode(parseInt(hex, 16));
        at += 6;
      } else if (escape in ESCAPES) {
        value += ESCAPES[escape];
        at += 2;
      } else {
        fail("invalid escape in a string");
      }
    }
  }

  function value(path: Array<string | number>): unknown {
    skipWhitespace();
    const char = text[at];
    if (char === "{") {
      at++;
      const object: Record<string, unknown> = {};
      const seen = new Set<string>();
      skipWhitespace();
      if (text[at] === "}") {
        at++;
        return object;
      }
      for (;;) {
        skipWhitespace();
        const keyAt = at;
        const key = string();
        if (seen.has(key)) fail(`duplicate key ${pathOf([...path, key])} (terraform would read both)`, keyAt);
        seen.add(key);
        skipWhitespace();
        expect(":");
        Object.defineProperty(object, key, { value: value([...path, key]), enumerable: true, writable: true, configurable: true });
        skipWhitespace();
        if (text[at] === ",") at++;
        else if (text[at] === "}") return (at++, object);
        else fail("expected , or } in an object");
      }
    }
    if (char === "[") {
      at++;
      const array: unknown[] = [];
      skipWhitespace();
      if (text[at] === "]") return (at++, array);
      for (;;) {
        array.push(value([...path, array.length]));
        skipWhitespace();
        if (text[at] === ",") at++;
        else if (text[at] === "]") return (at++, array);
        else fail("expected , or ] in an array");
      }
    }
    if (char === '"') return string();
    for (const [literal, result] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(literal, at)) return ((at += literal.length), result);
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text);
    if (!number) return fail(char === undefined ? "unexpected end of input" : "unexpected character");
    at += number[0].length;
    return Number(number[0]);
  }

  const result = value([]);
  skipWhitespace();
  if (at < text.length) fail("unexpected text after the JSON value");
  return result;
}
