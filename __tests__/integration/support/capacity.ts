/**
 * Consumed capacity per access pattern, collected by the integration suites that run the library
 * on DynamoDB Local. `npm run bench` sets CAPACITY_REPORT_DIR and merges every suite's file;
 * otherwise the table is printed.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CapacityRow {
  pattern: string;
  calls: number;
  "capacity units (min per call)": number;
  "capacity units (max per call)": number;
}

export function capacityRecorder(suite: string) {
  const byPattern = new Map<string, number[]>();
  return {
    record: (pattern: string, units: number) => byPattern.set(pattern, [...(byPattern.get(pattern) ?? []), units]),
    report: () => {
      const rows: CapacityRow[] = [...byPattern].map(([pattern, units]) => ({
        pattern,
        calls: units.length,
        "capacity units (min per call)": Math.min(...units),
        "capacity units (max per call)": Math.max(...units),
      }));
      if (process.env.CAPACITY_REPORT_DIR)
        writeFileSync(join(process.env.CAPACITY_REPORT_DIR, `${suite}.json`), JSON.stringify(rows, null, 2));
      else console.table(rows);
    },
  };
}
