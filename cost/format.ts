/**
 * Output: a text table for people, Markdown for pull requests, JSON for tools. The JSON shape is
 * versioned (`schemaVersion`) and documented in docs/cost.md; amounts are USD per month rounded to
 * 4 decimal places, null when unknown (price not sourced) or unbounded (no cap).
 */
import type { CostLine, EnvironmentEstimate, Totals } from "./estimate";
import { HOURS_PER_MONTH, isUnbounded } from "./estimate";
import type { Change, CostDiff } from "./diff";

export const FORMATS = ["table", "json", "markdown"] as const;
export type Format = (typeof FORMATS)[number];
export const JSON_SCHEMA_VERSION = 1;

const round = (usd: number | null) => (usd === null ? null : Math.round(usd * 10_000) / 10_000);
const DOLLARS_FORMAT = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** US dollars with cents and thousands separators, e.g. "$1,735.64". */
export const dollars = (value: number) => `$${DOLLARS_FORMAT.format(value)}`;
const usd = (value: number | null) => (value === null ? "?" : dollars(value));
const signed = (value: number) => (Math.abs(value) < 0.005 ? "$0.00" : `${value > 0 ? "+" : "-"}${usd(Math.abs(value))}`);

function ceilingText(totals: Totals): string {
  return totals.ceilingUnbounded ? "unbounded" : usd(totals.ceilingUsd);
}
function lineCeiling(l: CostLine): string {
  return isUnbounded(l) ? "unbounded" : usd(l.ceilingUsd);
}
function incomplete(totals: Totals): string {
  return totals.unknownComponents > 0 ? ` (+ ${totals.unknownComponents} unknown)` : "";
}

/** Text columns: amounts (the middle columns) right-aligned, the first and a trailing "basis" column left-aligned. */
function columns(rows: string[][], leftAlignedLast = false): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const last = rows[0].length - 1;
  const left = (i: number) => i === 0 || (leftAlignedLast && i === last);
  return rows
    .map((row) =>
      row
        .map((cell, i) => (left(i) ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function markdownTable(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

function footnotes(estimate: EnvironmentEstimate, usageFile: string): string[] {
  return [
    ...(estimate.unpriced.length > 0 ? [`NOT PRICED (left out of the totals): ${estimate.unpriced.map((u) => u.address).join(", ")}`] : []),
    ...estimate.warnings.map((w) => `warning: ${w}`),
    ...estimate.priceCaveats.map((c) => `price ${c.status}: ${c.key}: ${c.source}`),
    `${estimate.assumptions.length} usage value(s) are assumptions, not measurements (${usageFile})`,
  ];
}

function estimateTable(estimate: EnvironmentEstimate): string {
  const rows: string[][] = [["", "floor/month", "ceiling/month", "basis"]];
  for (const table of estimate.tables) {
    rows.push([
      `${table.table} (${table.billingMode}, ${table.tableClass})`,
      usd(table.floorUsd) + incomplete(table),
      ceilingText(table),
      "",
    ]);
    for (const l of table.lines)
      rows.push([`  ${l.component}`, usd(l.floorUsd), lineCeiling(l), l.note ? `${l.basis} [${l.note}]` : l.basis]);
  }
  for (const r of estimate.resources)
    rows.push([`${r.component} (${r.address})`, usd(r.floorUsd), lineCeiling(r), r.note ? `${r.basis} [${r.note}]` : r.basis]);
  rows.push([`TOTAL ${estimate.environment}`, usd(estimate.floorUsd) + incomplete(estimate), ceilingText(estimate), ""]);
  return columns(rows, true);
}

export interface RenderContext {
  /** Usage file per environment, for the assumption footnote. */
  readonly usageFile: (environment: string) => string;
}

export function formatEstimates(estimates: readonly EnvironmentEstimate[], format: Format, context: RenderContext): string {
  if (format === "json") {
    return JSON.stringify(
      {
        schemaVersion: JSON_SCHEMA_VERSION,
        currency: "USD",
        period: `month (${HOURS_PER_MONTH} hours)`,
        environments: estimates.map((e) => ({
          environment: e.environment,
          stack: e.stack,
          region: e.region,
          floorUsd: round(e.floorUsd),
          ceilingUsd: e.ceilingUnbounded ? null : round(e.ceilingUsd),
          unknownComponents: e.unknownComponents,
          tables: e.tables.map((t) => ({
            table: t.table,
            billingMode: t.billingMode,
            tableClass: t.tableClass,
            floorUsd: round(t.floorUsd),
            ceilingUsd: t.ceilingUnbounded ? null : round(t.ceilingUsd),
            unknownComponents: t.unknownComponents,
            components: t.lines.map(jsonLine),
          })),
          resources: e.resources.map((r) => ({ address: r.address, ...jsonLine(r) })),
          free: e.free,
          unpriced: e.unpriced,
          warnings: e.warnings,
          priceCaveats: e.priceCaveats,
          assumptions: e.assumptions,
        })),
      },
      null,
      2,
    );
  }
  if (format === "markdown") {
    return estimates
      .map((e) => {
        const rows = [
          ...e.tables.map((t) => [`\`${t.table}\` (${t.billingMode}, ${t.tableClass})`, usd(t.floorUsd) + incomplete(t), ceilingText(t)]),
          ...e.resources.map((r) => [`${r.component} (\`${r.address}\`)`, usd(r.floorUsd), lineCeiling(r)]),
          [`**total**`, `**${usd(e.floorUsd)}**${incomplete(e)}`, `**${ceilingText(e)}**`],
        ];
        return [
          `### ${e.environment} (${e.region})`,
          "",
          markdownTable(["", "floor/month", "ceiling/month"], rows),
          "",
          ...footnotes(e, context.usageFile(e.environment)).map((f) => `- ${f}`),
        ].join("\n");
      })
      .join("\n\n");
  }
  return estimates
    .map((e) =>
      [
        `== ${e.environment} (${e.stack}, ${e.region}), USD per month (${HOURS_PER_MONTH} h)`,
        estimateTable(e),
        ...footnotes(e, context.usageFile(e.environment)),
      ].join("\n"),
    )
    .join("\n\n");
}

function jsonLine(l: CostLine) {
  return {
    component: l.component,
    floorUsd: round(l.floorUsd),
    ceilingUsd: round(l.ceilingUsd),
    basis: l.basis,
    ...(l.note ? { note: l.note } : {}),
  };
}

const jsonChange = (c: Change) => ({ beforeUsd: round(c.beforeUsd), afterUsd: round(c.afterUsd), changeUsd: round(c.changeUsd) });
const changeText = (c: Change) => `${usd(c.beforeUsd)} -> ${usd(c.afterUsd)} (${signed(c.changeUsd)})`;

export function formatDiff(diff: CostDiff, format: Format): string {
  const title = `Cost change against ${diff.base.ref} (${diff.base.commit.slice(0, 12)}), USD per month`;
  if (format === "json") {
    return JSON.stringify(
      {
        schemaVersion: JSON_SCHEMA_VERSION,
        currency: "USD",
        base: diff.base,
        environments: diff.environments.map((e) => ({
          environment: e.environment,
          status: e.status,
          floor: jsonChange(e.floor),
          ceiling: jsonChange(e.ceiling),
          caveats: e.caveats,
          scopes: e.scopes.map((s) => ({
            scope: s.scope,
            status: s.status,
            floor: jsonChange(s.floor),
            ceiling: jsonChange(s.ceiling),
            components: s.components.map((c) => ({ component: c.component, floor: jsonChange(c.floor), ceiling: jsonChange(c.ceiling) })),
          })),
        })),
      },
      null,
      2,
    );
  }
  if (format === "markdown") {
    const sections = diff.environments.map((e) => {
      const changedScopes = e.scopes.filter((s) => s.status !== "unchanged");
      if (changedScopes.length === 0) return `### ${e.environment}: no cost change`;
      const rows = changedScopes.flatMap((s) => [
        [`\`${s.scope}\` (${s.status})`, changeText(s.floor), changeText(s.ceiling)],
        ...s.components.map((c) => [`&nbsp;&nbsp;${c.component}`, signed(c.floor.changeUsd), signed(c.ceiling.changeUsd)]),
      ]);
      rows.push([`**${e.environment} total**`, `**${changeText(e.floor)}**`, `**${changeText(e.ceiling)}**`]);
      return [
        `### ${e.environment} (${e.status})`,
        "",
        markdownTable(["", "floor", "ceiling"], rows),
        ...e.caveats.map((c) => `- ${c}`),
      ].join("\n");
    });
    return [`## ${title}`, ...sections].join("\n\n");
  }
  const rows: string[][] = [["", "floor", "ceiling"]];
  for (const e of diff.environments) {
    rows.push([`${e.environment} (${e.status})`, changeText(e.floor), changeText(e.ceiling)]);
    for (const s of e.scopes.filter((scope) => scope.status !== "unchanged")) {
      rows.push([`  ${s.scope} (${s.status})`, changeText(s.floor), changeText(s.ceiling)]);
      for (const c of s.components) rows.push([`    ${c.component}`, signed(c.floor.changeUsd), signed(c.ceiling.changeUsd)]);
    }
  }
  const caveats = diff.environments.flatMap((e) => e.caveats.map((c) => `${e.environment}: ${c}`));
  return [title, columns(rows), ...caveats].join("\n");
}
