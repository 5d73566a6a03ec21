/** The width every command's text output fits (synth, cost, the schema and plan guards), and wrapping to it. */
export const OUTPUT_WIDTH = 120;

/** Wraps `text` at spaces to `width`, continuation lines indented; a word longer than a line stays whole. */
export function wrap(text: string, width = OUTPUT_WIDTH, indent = "  "): string[] {
  const lines: string[] = [];
  const lead = /^ */.exec(text)![0];
  let current = lead;
  for (const word of text.trimStart().split(" ")) {
    const candidate = current.trim() === "" ? `${current}${word}` : `${current} ${word}`;
    if (candidate.length > width && current.trim() !== "") {
      lines.push(current);
      current = `${indent}${word}`;
    } else current = candidate;
  }
  lines.push(current);
  return lines;
}

/**
 * Each line of `text` wrapped to `width`: a list item's (`- `) continuation lines under its text, any other line's
 * four columns under the line.
 */
export function wrapLines(text: string, width = OUTPUT_WIDTH): string {
  return text
    .split("\n")
    .flatMap((line) => {
      const [lead, bullet] = /^( *)(- )?/.exec(line)!.slice(1);
      return wrap(line, width, `${lead}${bullet ? "  " : "    "}`);
    })
    .join("\n");
}
