/**
 * The plan as the guard sees it: every object a plan touches or keeps (resource changes, deposed
 * objects, drift, and prior_state for what a targeted plan leaves alone), with `after` values that
 * terraform only knows after apply replaced by UNKNOWN, and the links between resources (what
 * encrypts, feeds or locks what) from the configuration's references and from matching ARNs and
 * names in the values. Pure: no filesystem, no terraform.
 *
 * Plan format: https://developer.hashicorp.com/terraform/internals/json-format (`resource_changes[]`
 * with `deposed`, `previous_address`, `importing`; `resource_drift[]` in the same shape;
 * `after_unknown` mirrors `after` with `true` where a value is unknown; `configuration` holds each
 * expression's `references`; `prior_state.values.root_module` with `child_modules`).
 */

export type Values = Record<string, unknown> | null;

/** A value terraform knows only after apply: every rule treats it as the worst case. */
export class Unknown {
  toJSON() {
    return "(known after apply)";
  }
  toString() {
    return "(known after apply)";
  }
}
export const UNKNOWN = new Unknown();

export interface ResourceChange {
  readonly address: string;
  readonly mode: string;
  readonly type: string;
  readonly deposed?: string;
  readonly previous_address?: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before: Values;
    readonly after: Values;
    readonly after_unknown?: unknown;
    readonly importing?: unknown;
  };
}

export interface TerraformPlan {
  readonly format_version: string;
  readonly resource_changes: readonly ResourceChange[];
  readonly resource_drift: readonly ResourceChange[];
  readonly prior_state?: unknown;
  readonly configuration?: unknown;
  /** False for a `-target` plan. */
  readonly complete: boolean;
}

/** One object the plan touches (or, from prior_state, keeps). */
export interface Instance {
  readonly address: string;
  readonly type: string;
  readonly mode: string;
  readonly deposed?: string;
  readonly actions: readonly string[];
  readonly before: Values;
  /** With UNKNOWN where after_unknown says so. */
  readonly after: Values;
  readonly source: "change" | "drift" | "prior";
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Unknown);

/** `after` with UNKNOWN wherever `after_unknown` is true. */
export function withUnknown(after: unknown, unknown: unknown): unknown {
  if (unknown === true) return UNKNOWN;
  if (Array.isArray(unknown)) {
    const base = Array.isArray(after) ? [...after] : [];
    unknown.forEach((mark, index) => (base[index] = withUnknown(base[index], mark)));
    return base;
  }
  if (isObject(unknown)) {
    const base: Record<string, unknown> = isObject(after) ? { ...after } : {};
    for (const [key, mark] of Object.entries(unknown)) base[key] = withUnknown(base[key], mark);
    return base;
  }
  return after;
}

/** `a.b[0].c` of a state object (the provider stores nested blocks as lists); UNKNOWN if any step is unknown. */
export function at(values: unknown, path: string): unknown {
  let current: unknown = values ?? undefined;
  for (const part of path.split(".")) {
    if (current instanceof Unknown) return UNKNOWN;
    const match = /^(\w+)(?:\[(\d+)\])?$/.exec(part);
    if (!match || !isObject(current)) return undefined;
    current = current[match[1]];
    if (match[2] !== undefined) {
      if (current instanceof Unknown) return UNKNOWN;
      current = Array.isArray(current) ? current[Number(match[2])] : undefined;
    }
  }
  return current;
}

/** `aws_s3_bucket.x[0]` -> `aws_s3_bucket.x`; module paths kept. */
export const baseAddress = (address: string) => address.replace(/\[[^\]]*\]/g, "");

const IDENTITY_FIELDS = ["arn", "id", "name", "bucket", "key_id"];

/** The world of one plan: lookups by type and links between resources. */
export class PlanModel {
  readonly instances: readonly Instance[];
  readonly drift: readonly Instance[];
  private readonly references = new Map<string, Set<string>>();
  private readonly expressions = new Map<string, unknown>();
  private readonly stringCache = new Map<Instance, Set<string>>();
  private readonly byType = new Map<string, Instance[]>();

  constructor(readonly plan: TerraformPlan) {
    const toInstance = (change: ResourceChange, source: "change" | "drift"): Instance => ({
      address: change.address,
      type: change.type,
      mode: change.mode,
      deposed: change.deposed,
      actions: change.change.actions,
      before: change.change.before ?? null,
      after: (withUnknown(change.change.after, change.change.after_unknown) as Values) ?? null,
      source,
    });
    const changes = plan.resource_changes.map((change) => toInstance(change, "change"));
    const planned = new Set(changes.map((instance) => instance.address));
    const kept = priorResources(plan.prior_state)
      .filter((resource) => !planned.has(resource.address))
      .map((resource): Instance => ({ ...resource, actions: ["no-op"], after: resource.before, source: "prior" }));
    this.instances = [...changes, ...kept];
    this.drift = plan.resource_drift.map((change) => toInstance(change, "drift"));
    collectConfiguration(plan.configuration, this.references, this.expressions);
  }

  /** Current (not deposed) managed objects of a type. */
  ofType(type: string): Instance[] {
    let found = this.byType.get(type);
    if (!found) {
      found = this.instances.filter((instance) => instance.type === type && instance.mode === "managed" && !instance.deposed);
      this.byType.set(type, found);
    }
    return found;
  }

  /**
   * The constant values of a list of blocks in a resource's configuration (e.g. each
   * `global_secondary_index`'s `name`); undefined when there are none or not all are constants.
   */
  configuredBlockValues(instance: Instance, block: string, field: string): string[] | undefined {
    const expressions = this.expressions.get(baseAddress(instance.address));
    const blocks = isObject(expressions) ? expressions[block] : undefined;
    // No blocks configured reads the same as a configuration without expressions: undefined, no claim.
    if (!Array.isArray(blocks)) return undefined;
    const values = blocks.map((b) => (isObject(b) && isObject(b[field]) ? b[field].constant_value : undefined));
    return values.every((value): value is string => typeof value === "string") ? values : undefined;
  }

  /** Values a resource has before and after (whichever exist). */
  static states(instance: Instance): Record<string, unknown>[] {
    return [instance.before, instance.after].filter(isObject);
  }

  /** True when `from` refers to `to`: a configuration reference, or one of `to`'s ARNs/ids/names in `from`'s values. */
  refersTo(from: Instance, to: Instance): boolean {
    if (this.references.get(baseAddress(from.address))?.has(baseAddress(to.address))) return true;
    const strings = this.strings(from);
    return identities(to).some((identity) => strings.has(identity) || strings.has(`${identity}/*`));
  }

  /** The value at `path` names `to` (ARN, id or name); or it is unknown and the configuration refers to `to`. */
  valueRefersTo(from: Instance, path: string, to: Instance): boolean {
    const ids = identities(to);
    const values = PlanModel.states(from).flatMap((state) => [at(state, path)].flat());
    if (values.some((value) => typeof value === "string" && ids.includes(value))) return true;
    const referenced = this.references.get(baseAddress(from.address))?.has(baseAddress(to.address)) === true;
    return referenced && values.every((value) => value === undefined || value instanceof Unknown);
  }

  private strings(instance: Instance): Set<string> {
    let found = this.stringCache.get(instance);
    if (!found) {
      found = new Set();
      const walk = (value: unknown) => {
        if (typeof value === "string") found!.add(value);
        else if (Array.isArray(value)) value.forEach(walk);
        else if (isObject(value)) Object.values(value).forEach(walk);
      };
      walk(instance.before);
      walk(instance.after);
      this.stringCache.set(instance, found);
    }
    return found;
  }
}

function identities(instance: Instance): string[] {
  return PlanModel.states(instance).flatMap((state) =>
    IDENTITY_FIELDS.map((field) => state[field]).filter((value): value is string => typeof value === "string" && value.length > 0),
  );
}

/** Managed and data resources in prior_state (root and child modules). */
function priorResources(priorState: unknown): Array<Omit<Instance, "actions" | "after" | "source">> {
  const found: Array<Omit<Instance, "actions" | "after" | "source">> = [];
  const walk = (module: unknown) => {
    if (!isObject(module)) return;
    for (const resource of Array.isArray(module.resources) ? module.resources : []) {
      if (!isObject(resource) || typeof resource.address !== "string") continue;
      found.push({
        address: resource.address,
        type: String(resource.type),
        mode: String(resource.mode),
        deposed: typeof resource.deposed_key === "string" ? resource.deposed_key : undefined,
        before: isObject(resource.values) ? resource.values : null,
      });
    }
    for (const child of Array.isArray(module.child_modules) ? module.child_modules : []) walk(child);
  };
  walk(isObject(priorState) && isObject(priorState.values) ? priorState.values.root_module : undefined);
  return found;
}

/** Every prior_state address (for the completeness check). */
export const priorAddresses = (priorState: unknown) =>
  priorResources(priorState)
    .filter((resource) => !resource.deposed)
    .map((resource) => ({ address: resource.address, mode: resource.mode }));

/**
 * `address -> referenced resource addresses` from the configuration's expressions, and each resource's
 * expressions (modules prefixed).
 */
function collectConfiguration(configuration: unknown, into: Map<string, Set<string>>, expressions: Map<string, unknown>) {
  const walkModule = (module: unknown, prefix: string) => {
    if (!isObject(module)) return;
    for (const resource of Array.isArray(module.resources) ? module.resources : []) {
      if (!isObject(resource) || typeof resource.address !== "string") continue;
      const targets = new Set<string>();
      const walk = (value: unknown) => {
        if (Array.isArray(value)) value.forEach(walk);
        else if (isObject(value)) {
          if (Array.isArray(value.references))
            value.references.forEach((reference) => targets.add(referencedResource(String(reference), prefix)));
          Object.values(value).forEach(walk);
        }
      };
      walk(resource.expressions);
      into.set(prefix + resource.address, targets);
      expressions.set(prefix + resource.address, resource.expressions);
    }
    if (isObject(module.module_calls)) {
      for (const [name, call] of Object.entries(module.module_calls)) {
        if (isObject(call)) walkModule(call.module, `${prefix}module.${name}.`);
      }
    }
  };
  if (isObject(configuration)) walkModule(configuration.root_module, "");
}

/** `aws_kms_key.x.arn` -> `aws_kms_key.x`; `data.a.b.c` -> `data.a.b`. */
function referencedResource(reference: string, prefix: string): string {
  const parts = baseAddress(reference).split(".");
  return prefix + (parts[0] === "data" ? parts.slice(0, 3) : parts.slice(0, 2)).join(".");
}
