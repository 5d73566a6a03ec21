/**
 * zod, as every schema of this project uses it. Each schema is parsed about once per process (a config, a lock, a
 * usage or price file), so zod's default of compiling a parser per object schema on first use (`new Function`) costs
 * more than it saves: jitless parses them directly (synth's CPU, CHANGELOG).
 */
import { z } from "zod";

z.config({ jitless: true });

export { z };
