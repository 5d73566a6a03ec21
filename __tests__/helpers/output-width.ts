import { OUTPUT_WIDTH } from "../../config/output-width";

/**
 * The lines of a command's output wider than OUTPUT_WIDTH that wrapping could have shortened: a line holding one word
 * longer than that (a temporary directory's path) cannot wrap, so it is not counted.
 */
export const unwrappedLines = (output: string): string[] =>
  output.split("\n").filter((line) => line.length > OUTPUT_WIDTH && /\S\s+\S/.test(line.trim()));

/** The output with each wrapped line joined to the one before it, for phrases that may wrap. */
export const joinedLines = (output: string): string => output.replace(/\n +/g, " ");
