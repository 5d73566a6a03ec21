/**
 * zod, as every schema of this project uses it: `import * as z from "./zod"`.
 * - Each schema is parsed about once per process (a config, a lock, a usage or price file), so zod's default of
 *   compiling a parser per object schema on first use (`new Function`) costs more than it saves: jitless parses them.
 * - A namespace import lets esbuild leave out what is not used (the other locales, the JSON Schema reader: three
 *   quarters of zod's code in synth's bundle), where `import { z } from "zod"` pulls in all of it.
 */
import { config } from "zod";

config({ jitless: true });

export * from "zod";
