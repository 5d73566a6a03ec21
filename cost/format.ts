/**
 * Output: for people one screen per environment (a line per table and per shared component, alarms
 * summed; `--detail` for every component and its basis), Markdown for pull requests, JSON for tools.
 * Text fits OUTPUT_WIDTH columns. The JSON shape is versioned (`schemaVersion`) and documented in
 * docs/cost.md; amounts are USD per month rounded to 4 decimal places, null when unknown (price not
 * sourced) or unbounded (no cap).
 */
import type { CostLine, EnvironmentEstimate, ResourceLine, TableEstimate, Totals } from "./estimate";
import { HOURS_PER_MONTH, isUnbounded } from "./estimate";
import { totals } from "./estimator";
import type { Change, CostDiff } from "./diff";
import { OUTPUT_WIDTH, wrap } from "../config/output-width";

export const FORMATS = ["table", "json", "markdown"] as const;
export type Format = (typeof FORMATS)[number];
export const JSON_SCHEMA_VERSION = 1;

const round = (usd: number | null) => (usd === null ? null : Math.round(usd * 10_000) / 10_000);
// Made on first use, as units() in ./estimator is: synth loads this module for the cost warnings and never formats.
let dollarsFormat: Intl.NumberFormat | undefined;
/** US dollars with cents and thousands separators, e.g. "$1,735.64". */
export const dollars = (value: number) =>
  `$${(dollarsFormat ??= new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })).format(value)}`;
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

/** Text columns: the first left-aligned, the amounts right-aligned. */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
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

function caveatSummary(estimate: EnvironmentEstimate, usageFile: string): string {
  const count = (status: string) => estimate.priceCaveats.filter((c) => c.status === status).length;
  const parts = ["approximation", "unknown", "overridden"]
    .filter((status) => count(status) > 0)
    .map((status) => `${count(status)} ${status}${count(status) === 1 ? "" : "s"}`);
  const prices =
    parts.length > 0 ? `prices used: ${parts.join(", ")} (cost/prices/${estimate.region}.json)` : "every price used is from an AWS offer";
  return `${prices}; ${estimate.assumptions.length} usage value(s) are assumptions, not measurements (${usageFile})`;
}

/** Notes under an environment: left out, warnings, then the caveats (each price's basis only in detail). */
function footnotes(estimate: EnvironmentEstimate, usageFile: string, detail: boolean): string[] {
  return [
    ...(estimate.unpriced.length > 0 ? [`NOT PRICED (left out of the totals): ${estimate.unpriced.map((u) => u.address).join(", ")}`] : []),
    ...estimate.warnings.map((w) => `warning: ${w}`),
    ...(detail ? estimate.priceCaveats.map((c) => `price ${c.status}: ${c.key}: ${c.source}`) : []),
    caveatSummary(estimate, usageFile),
  ];
}

const tableLabel = (t: TableEstimate) => `${t.table} (${t.billingMode}, ${t.tableClass})${t.defaultUsage ? " [default usage]" : ""}`;

/** Shared components: the resource lines summed per group ("CloudWatch alarms (42)"), in first-seen order. */
export function groupResources(estimate: EnvironmentEstimate): Array<{ label: string; lines: ResourceLine[] } & Totals> {
  const groups = new Map<string, ResourceLine[]>();
  for (const r of estimate.resources) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  return [...groups.entries()].map(([group, lines]) => {
    const resources = new Set(lines.map((l) => l.address)).size;
    return { label: resources > 1 ? `${group} (${resources})` : group, lines, ...totals(lines) };
  });
}

const heading = (e: EnvironmentEstimate) =>
  `== ${e.environment} (${e.stack}, ${e.region}): floor ${usd(e.floorUsd)}${incomplete(e)}, ceiling ${ceilingText(e)} per month (${HOURS_PER_MONTH} h)`;

/** One screen: a line per table and per shared component, the total, then the notes. */
function summaryText(e: EnvironmentEstimate, usageFile: string): string {
  const rows: string[][] = [["", "floor/month", "ceiling/month"]];
  for (const t of e.tables) rows.push([tableLabel(t), usd(t.floorUsd) + incomplete(t), ceilingText(t)]);
  for (const g of groupResources(e)) rows.push([g.label, usd(g.floorUsd) + incomplete(g), ceilingText(g)]);
  rows.push([`TOTAL ${e.environment}`, usd(e.floorUsd) + incomplete(e), ceilingText(e)]);
  return [
    heading(e),
    columns(rows),
    ...footnotes(e, usageFile, false).flatMap((f) => wrap(f)),
    "(npm run cost -- --detail: every component and how it was computed)",
  ].join("\n");
}

const AMOUNT_WIDTH = 15;

/** Today's breakdown: every component with its basis on the lines below it, within OUTPUT_WIDTH. */
function detailText(e: EnvironmentEstimate, usageFile: string): string {
  const rows: Array<{ label: string; floor: string; ceiling: string; basis?: string }> = [];
  const component = (l: CostLine, label = l.component) => ({
    label: `  ${label}`,
    floor: usd(l.floorUsd),
    ceiling: lineCeiling(l),
    basis: l.note ? `${l.basis} [${l.note}]` : l.basis,
  });
  for (const t of e.tables) {
    rows.push({ label: tableLabel(t), floor: usd(t.floorUsd) + incomplete(t), ceiling: ceilingText(t) });
    for (const l of t.lines) rows.push(component(l));
  }
  for (const g of groupResources(e)) {
    rows.push({ label: g.label, floor: usd(g.floorUsd) + incomplete(g), ceiling: ceilingText(g) });
    const several = new Set(g.lines.map((l) => l.address)).size > 1;
    for (const l of g.lines) rows.push(component(l, several ? `${l.component} ${l.address.split(".")[1]}` : l.component));
  }
  rows.push({ label: `TOTAL ${e.environment}`, floor: usd(e.floorUsd) + incomplete(e), ceiling: ceilingText(e) });
  // A label too long for its column gets a line of its own, the amounts on the next.
  const labelWidth = Math.min(Math.max(...rows.map((r) => r.label.length)), OUTPUT_WIDTH - 2 * AMOUNT_WIDTH);
  const amounts = (floor: string, ceiling: string) => `${floor.padStart(AMOUNT_WIDTH)}${ceiling.padStart(AMOUNT_WIDTH)}`;
  const out = [heading(e), `${"".padEnd(labelWidth)}${amounts("floor/month", "ceiling/month")}`];
  for (const row of rows) {
    if (row.label.length > labelWidth) out.push(row.label, `${"".padEnd(labelWidth)}${amounts(row.floor, row.ceiling)}`);
    else out.push(`${row.label.padEnd(labelWidth)}${amounts(row.floor, row.ceiling)}`);
    if (row.basis) out.push(...wrap(`      ${row.basis}`, OUTPUT_WIDTH, "        "));
  }
  out.push(...footnotes(e, usageFile, true).flatMap((f) => wrap(f)));
  return out.join("\n");
}

export interface RenderContext {
  /** Usage file per environment, for the assumption footnote. */
  readonly usageFile: (environment: string) => string;
  /** Every component with its basis instead of one line per table and shared component. @default false */
  readonly detail?: boolean;
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
            defaultUsage: t.defaultUsage,
            floorUsd: round(t.floorUsd),
            ceilingUsd: t.ceilingUnbounded ? null : round(t.ceilingUsd),
            unknownComponents: t.unknownComponents,
            components: t.lines.map(jsonLine),
          })),
          resources: e.resources.map((r) => ({ address: r.address, group: r.group, ...jsonLine(r) })),
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
          ...e.tables.map((t) => [
            `\`${t.table}\` (${t.billingMode}, ${t.tableClass})${t.defaultUsage ? " **default usage**" : ""}`,
            usd(t.floorUsd) + incomplete(t),
            ceilingText(t),
          ]),
          ...groupResources(e).map((g) => [g.label, usd(g.floorUsd) + incomplete(g), ceilingText(g)]),
          [`**total**`, `**${usd(e.floorUsd)}**${incomplete(e)}`, `**${ceilingText(e)}**`],
        ];
        const components = [
          ...e.tables.flatMap((t) => t.lines.map((l) => [`\`${t.table}\` ${l.component}`, usd(l.floorUsd), lineCeiling(l), l.basis])),
          ...e.resources.map((r) => [`${r.component} (\`${r.address}\`)`, usd(r.floorUsd), lineCeiling(r), r.basis]),
        ];
        return [
          `### ${e.environment} (${e.region}): floor ${usd(e.floorUsd)}, ceiling ${ceilingText(e)} per month`,
          "",
          markdownTable(["", "floor/month", "ceiling/month"], rows),
          "",
          ...footnotes(e, context.usageFile(e.environment), false).map((f) => `- ${f}`),
          ...(context.detail
            ? [
                "",
                "<details><summary>Breakdown</summary>",
                "",
                markdownTable(["component", "floor", "ceiling", "basis"], components),
                "",
                "</details>",
              ]
            : []),
        ].join("\n");
      })
      .join("\n\n");
  }
  return estimates
    .map((e) => (context.detail ? detailText(e, context.usageFile(e.environment)) : summaryText(e, context.usageFile(e.environment))))
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
