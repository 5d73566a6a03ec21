import { TerraformStack } from "cdktf";

/** A synthesized stack's JSON, as far as its addresses go. */
interface StackConfig {
  readonly resource?: Record<string, Record<string, unknown>>;
  readonly data?: Record<string, Record<string, unknown>>;
}

/** A resource or data source address, `type.name` or `data.type.name` (types are `<provider>_<kind>`). */
const ADDRESS = /(?<![\w.])(?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][\w-]*/g;

/**
 * The resource and data source addresses a stack's JSON refers to (in `${...}` expressions, and as the plain addresses
 * of `depends_on` and `replace_triggered_by`) but does not declare, sorted. Scans the JSON text: walking the object costs several times more.
 */
export function undeclaredReferences(config: StackConfig): string[] {
  const text = JSON.stringify(config);
  const referenced: string[] = [];
  for (let start = text.indexOf("${"); start !== -1; start = text.indexOf("${", start + 2)) {
    if (text[start - 1] === "$") continue; // `$${` is a literal
    let end = text.indexOf("}", start);
    // An expression with braces of its own (an object, a `for`) ends at the brace that closes the last one opened.
    for (let open = text.indexOf("{", start + 2); open !== -1 && open < end; open = text.indexOf("{", open + 1)) {
      end = text.indexOf("}", end + 1);
    }
    referenced.push(...(text.slice(start + 2, end).match(ADDRESS) ?? []));
  }
  for (const [, addresses] of text.matchAll(/"(?:depends_on|replace_triggered_by)":\[([^\]]*)\]/g)) {
    referenced.push(...(addresses.match(ADDRESS) ?? []));
  }

  const declared = (address: string) => {
    const [block, type, name] = address.startsWith("data.") ? address.split(".") : ["resource", ...address.split(".")];
    return (block === "data" ? config.data : config.resource)?.[type]?.[name] !== undefined;
  };
  return [...new Set(referenced.filter((address) => !declared(address)))].sort();
}

/**
 * A stack that refers to nothing in another stack of the app: each of ours has its own state, which HCL teams read,
 * so a cross-stack reference (an output here, a terraform_remote_state there) would quietly join two states and add
 * to the public contract. cdktf resolves every element one extra time before synth only to discover such references
 * (`prepareStack`; `Reference.resolve` in cdktf 0.21's lib/tfExpression.js is the only reader of that pass), so this
 * stack skips that pass (ADR 0008) and refuses, at synth, a reference to an address it does not declare.
 */
export abstract class SelfContainedStack extends TerraformStack {
  /** cdktf's prepareStack without the cross-stack pass: it still adds a local backend to a stack without one. */
  public override prepareStack(): void {
    this.ensureBackendExists();
  }

  public override toTerraform(): Record<string, unknown> {
    const config = super.toTerraform() as Record<string, unknown> & StackConfig;
    const undeclared = undeclaredReferences(config);
    if (undeclared.length > 0) {
      throw new Error(
        `stack ${this.node.id} refers to ${undeclared.join(", ")}, which it does not declare. Stacks do not refer to ` +
          "each other (docs/adr/0008-stacks-refer-to-nothing-outside.md): pass the value through the environment's " +
          "config instead.",
      );
    }
    return config;
  }
}
