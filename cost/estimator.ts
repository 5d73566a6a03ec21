/**
 * What every estimate shares: a priced line (floor, ceiling, basis), the Estimator that prices
 * quantities and remembers which usage values were assumptions and which prices are caveats, and how
 * a synthesized stack's resources reference each other.
 */
import { CostInputError } from "./errors";
import type { PriceKey, PriceTable } from "./prices";
import { unitRate } from "./prices";
import type { Usage } from "./usage";

/** One priced component. A null amount is unknown (its price could not be sourced) or unbounded. */
export interface CostLine {
  readonly component: string;
  readonly floorUsd: number | null;
  readonly ceilingUsd: number | null;
  /** How it was computed, e.g. "5..100 RCU x 730 h x $0.000147". */
  readonly basis: string;
  /** Why an amount is null. */
  readonly note?: string;
}

export interface Totals {
  /** Sum of the known floors. */
  readonly floorUsd: number;
  /** Sum of the known ceilings. */
  readonly ceilingUsd: number;
  /** Components whose floor or ceiling price is unknown: the totals leave them out. */
  readonly unknownComponents: number;
  /** A component has no ceiling (on-demand without a cap). */
  readonly ceilingUnbounded: boolean;
}

export type Resource = Record<string, unknown>;
export type Resources = Record<string, Record<string, Resource>>;
export type Amount = { usd: number | null; note?: string };

const REFERENCE = /\$\{(aws_[\w]+)\.([\w-]+)\.[\w]+\}/;

/** The `type.name` a `${type.name.attribute}` reference points at. */
export function referenced(value: unknown, type: string): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = REFERENCE.exec(value);
  return match && match[1] === type ? match[2] : undefined;
}

/** Which table a resource's attribute points at: a `${aws_dynamodb_table.<id>.name}` reference or a literal name. */
export function referencedTable(value: unknown, tables: Record<string, Resource>): string | undefined {
  if (typeof value !== "string") return undefined;
  const reference = referenced(value, "aws_dynamodb_table");
  if (reference) return reference;
  return Object.keys(tables).find((id) => tables[id].name === value || value.endsWith(`/${String(tables[id].name)}`));
}

const money = (usd: number) => `$${usd < 0.01 ? usd.toPrecision(3) : usd.toFixed(usd < 1 ? 4 : 2)}`;
// One formatter (toLocaleString with options builds one per call), made on first use: building it loads ICU's locale
// data, which synth, importing this module for its usage warnings only, never needs.
let unitsFormat: Intl.NumberFormat | undefined;
export const units = (value: number) =>
  value > 0 && value < 1
    ? value.toPrecision(2)
    : (unitsFormat ??= new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 })).format(value);

export class Estimator {
  readonly assumptions = new Set<string>();
  readonly caveats = new Set<PriceKey>();
  readonly warnings: string[] = [];

  constructor(
    readonly prices: PriceTable,
    readonly usage: Usage,
  ) {}

  /** Reads a usage value, remembering it as an assumption unless measured. */
  use<T>(path: string, value: T): T {
    if (!this.usage.measured.includes(path)) this.assumptions.add(path);
    return value;
  }

  /** quantity x price; unknown (null) when the price is unknown and the quantity is not zero. */
  price(quantity: number, key: PriceKey): Amount {
    const entry = this.prices.prices[key];
    if (entry.status !== "sourced" || entry.overridden) this.caveats.add(key);
    if (quantity === 0) return { usd: 0 };
    const rate = unitRate(this.prices, key);
    return rate === undefined ? { usd: null, note: `price unknown: ${key} (${this.prices.region})` } : { usd: quantity * rate };
  }

  rateText(key: PriceKey): string {
    const entry = this.prices.prices[key];
    return entry.usd === null
      ? "unknown"
      : `${money(entry.usd)}/${entry.per === 1 ? "" : `${units(entry.per)} `}${entry.unit.split(" (")[0]}`;
  }

  /** quantity x price, as a line whose floor and ceiling are the same; `derivation` says where the quantity comes from. */
  fixed(component: string, quantity: number, key: PriceKey, what: string, derivation?: string): CostLine {
    const amount = this.price(quantity, key);
    return line(component, amount, amount, `${derivation ? `${derivation}: ` : ""}${units(quantity)} ${what} x ${this.rateText(key)}`);
  }
}

export const sum = (...amounts: Amount[]): Amount =>
  amounts.some((a) => a.usd === null)
    ? { usd: null, note: amounts.find((a) => a.note)?.note }
    : { usd: amounts.reduce((total, a) => total + (a.usd ?? 0), 0) };

export const UNBOUNDED = "unbounded";
/** A component with no ceiling (on demand without a cap): its null ceiling is not an unknown price. */
export const isUnbounded = (l: CostLine) => l.ceilingUsd === null && l.note?.startsWith(UNBOUNDED) === true;

export function line(component: string, floor: Amount, ceiling: Amount, basis: string): CostLine {
  const note = floor.note ?? ceiling.note;
  return { component, floorUsd: floor.usd, ceilingUsd: ceiling.usd, basis, ...(note ? { note } : {}) };
}

export function totals(lines: readonly CostLine[]): Totals {
  return {
    floorUsd: lines.reduce((total, l) => total + (l.floorUsd ?? 0), 0),
    ceilingUsd: lines.reduce((total, l) => total + (l.ceilingUsd ?? 0), 0),
    unknownComponents: lines.filter((l) => l.floorUsd === null || (l.ceilingUsd === null && !isUnbounded(l))).length,
    ceilingUnbounded: lines.some(isUnbounded),
  };
}

/** Reads a required usage number of a shared section, naming the resource that needs it. */
export function requiredUsage(estimator: Estimator, section: "archive" | "notifications", field: string, address: string): number {
  const { usage } = estimator;
  const value = (usage[section] as Record<string, number | undefined>)[field];
  if (value === undefined) {
    throw new CostInputError(`${usage.file}: ${section}.${field}: required because the stack has ${address}; add the expected number`);
  }
  return estimator.use(`${section}.${field}`, value);
}
