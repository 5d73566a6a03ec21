/**
 * Checks for the project's Markdown: no line wider than the docs' limit outside fenced code blocks, and
 * every relative link pointing at a file that exists (and, for `file.md#anchor`, at one of its headings).
 * Pure functions over text; the caller reads the files.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";

export const MAX_WIDTH = 120;

/** A link reference definition (`[name]: url`): a URL cannot wrap, so it may be wider. */
const LINK_DEFINITION = /^\s*\[[^\]]+\]:\s+\S+$/;
const FENCE = /^\s*(```|~~~)/;

/** Each line outside fenced code blocks, with its 1-based number. */
function proseLines(text: string): { line: string; number: number }[] {
  const result: { line: string; number: number }[] = [];
  let fenced = false;
  text.split("\n").forEach((line, index) => {
    if (FENCE.test(line)) {
      fenced = !fenced;
      return;
    }
    if (!fenced) result.push({ line, number: index + 1 });
  });
  return result;
}

/** `file:line: N columns` for every line over the limit outside code blocks. */
export function wideLines(file: string, text: string, width = MAX_WIDTH): string[] {
  return proseLines(text)
    .filter(({ line }) => line.length > width && !LINK_DEFINITION.test(line))
    .map(({ line, number }) => `${file}:${number}: ${line.length} columns (at most ${width} outside code blocks)`);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

/** Every heading's anchor, numbered the way GitHub numbers repeats (`name`, `name-1`, ...). */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const anchor = headingAnchor(heading[1]);
    const count = seen.get(anchor) ?? 0;
    anchors.add(count === 0 ? anchor : `${anchor}-${count}`);
    seen.set(anchor, count + 1);
  }
  return anchors;
}

/** The link targets of a Markdown text outside code blocks and code spans: inline links and definitions. */
export function linkTargets(text: string): string[] {
  const targets: string[] = [];
  for (const { line } of proseLines(text)) {
    const prose = line.replace(/`[^`]*`/g, "");
    for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) targets.push(match[1]);
    const definition = /^\s*\[[^\]]+\]:\s+(\S+)$/.exec(prose);
    if (definition) targets.push(definition[1]);
  }
  return targets;
}

/**
 * `file: link` for every relative link whose file does not exist, or whose `#anchor` names no heading of
 * the Markdown file it points at. `readText` reads a file under `root`.
 */
export function brokenLinks(root: string, file: string, text: string, readText: (path: string) => string): string[] {
  const broken: string[] = [];
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, ...
    const [path, anchor] = target.split("#", 2);
    if (path === "") {
      if (!anchorsOf(text).has(anchor)) broken.push(`${file}: ${target} (no heading with anchor #${anchor} here)`);
      continue;
    }
    const resolved = join(root, dirname(file), decodeURIComponent(path));
    if (!existsSync(resolved)) {
      broken.push(`${file}: ${target} (no file ${relative(root, resolved)})`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith(".md") && !anchorsOf(readText(resolved)).has(anchor)) {
      broken.push(`${file}: ${target} (no heading with anchor #${anchor} in ${relative(root, resolved)})`);
    }
  }
  return broken;
}
