/**
 * zod, as every schema of this project uses it: `import * as z from "./zod"`. Lint refuses `zod` anywhere else.
 * - Each schema is parsed about once per process (a config, a lock, a usage or price file), so zod's default of
 *   compiling a parser per object schema on first use (`new Function`) costs more than it saves: jitless parses them.
 * - Only what the project uses is exported (a zod function missing here is a type error where it is first used: add
 *   it). Synth's bundle and jest's bundle of this file (__tests__/helpers/prebundle-transform.js) then hold only those
 *   parts of zod: a fifth of it, where all of zod (its locales, its JSON Schema reader) would be loaded by every test
 *   file.
 */
import { config } from "zod";

config({ jitless: true });

export {
  array,
  boolean,
  discriminatedUnion,
  enum,
  literal,
  number,
  object,
  record,
  strictObject,
  string,
  toJSONSchema,
  union,
  ZodError,
} from "zod";
export type { infer, input, output, RefinementCtx, ZodType } from "zod";
