import { DefaultTokenResolver, StringConcat, TerraformElement, TerraformOutput, TerraformStack, Tokenization } from "cdktf";
import { isObject, type Json } from "../config/json";

/** A synthesized stack's JSON, as far as its addresses go. */
interface StackConfig {
  readonly resource?: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
  readonly module?: Record<string, Block>;
  readonly output?: Record<string, Block>;
}
interface Block {
  readonly [argument: string]: unknown;
  readonly depends_on?: readonly string[];
  readonly lifecycle?: { readonly replace_triggered_by?: readonly string[] };
}

/** A resource, data source or module address: `type.name`, `data.type.name`, `module.name` (`<provider>_<kind>` types). */
const ADDRESS = /(?<![\w.])(?:data\.[a-z][a-z0-9]*_[a-z0-9_]+|[a-z][a-z0-9]*_[a-z0-9_]+|module)\.[A-Za-z_][\w-]*/g;

/**
 * The `${...}` expressions of a stack's JSON text, each without its quoted strings (`\"...\"` in JSON): every `${`
 * but an escaped `$${`, to its matching brace. Nested expressions are found on their own too.
 */
function expressions(text: string): string[] {
  const found: string[] = [];
  for (let start = text.indexOf("${"); start !== -1; start = text.indexOf("${", start + 2)) {
    if (text[start - 1] === "$") continue;
    const plain = text.slice(start + 2, text.indexOf("}", start));
    if (!plain.includes("{") && !plain.includes('\\"')) {
      found.push(plain); // no braces or quotes of its own, as nearly all are
      continue;
    }
    let expression = "";
    let quoted = false;
    for (let i = start + 2, depth = 1; i < text.length; i++) {
      const char = text[i];
      if (char === "\\") {
        if (text[++i] === '"') quoted = !quoted;
      } else if (!quoted && char === "{") depth++;
      else if (!quoted && char === "}" && --depth === 0) break;
      if (!quoted) expression += char;
    }
    found.push(expression);
  }
  return found;
}

/**
 * The resource, data source and module addresses a stack's JSON refers to (in `${...}` expressions, and as the plain
 * addresses of `depends_on` and `replace_triggered_by`) but does not declare, sorted. It scans the JSON text once
 * (walking the object costs several times more); a `for` variable named like a resource type counts as an address.
 */
export function undeclaredReferences(config: StackConfig): string[] {
  const blocks = [config.resource, config.data].flatMap((byType) => Object.values(byType ?? {}).flatMap(Object.values));
  const plainAddresses = [...blocks, ...Object.values(config.module ?? {}), ...Object.values(config.output ?? {})].flatMap((block) => [
    ...(block.depends_on ?? []),
    ...(block.lifecycle?.replace_triggered_by ?? []),
  ]);
  const referenced = [...expressions(JSON.stringify(config)), ...plainAddresses].flatMap((text) => text.match(ADDRESS) ?? []);

  const declared = (address: string) => {
    const [first, second, third] = address.split(".");
    if (first === "module") return config.module?.[second] !== undefined;
    return first === "data" ? config.data?.[second]?.[third] !== undefined : config.resource?.[first]?.[second] !== undefined;
  };
  return [...new Set(referenced.filter((address) => !declared(address)))].sort();
}

const RESOLVER = new DefaultTokenResolver(new StringConcat());

/**
 * Merges resolved JSON `source` into `target` as cdktf's `deepMerge` (lib/util.js) merges it: objects key by key,
 * arrays appended (two providers of one type), anything else replaced. (Resolved JSON holds no `undefined` and no
 * tokens, the two other cases deepMerge handles.)
 */
function merge(target: Json, source: Json): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isObject(value)) {
      if (!isObject(existing)) target[key] = {};
      merge(target[key] as Json, value);
    } else if (Array.isArray(value) && Array.isArray(existing)) target[key] = [...existing, ...value];
    else target[key] = value;
  }
}

/**
 * A stack that refers to nothing in another stack of the app: each of ours has its own state, which HCL teams read,
 * so a cross-stack reference (an output here, a terraform_remote_state there) would quietly join two states and add
 * to the public contract. cdktf resolves every element one extra time before synth only to discover such references
 * (`prepareStack`; `Reference.resolve` in cdktf 0.21's lib/tfExpression.js is the only reader of that pass), so this
 * stack skips that pass (ADR 0008). At synth it refuses a reference to an address it does not declare; a reference
 * to another stack's resource at an address this stack also has is caught by cdktf's own discovery in the unit suite
 * (self-contained-stack.test.ts).
 */
export abstract class SelfContainedStack extends TerraformStack {
  /** cdktf's prepareStack without the cross-stack pass: it still adds a local backend to a stack without one. */
  public override prepareStack(): void {
    this.ensureBackendExists();
  }

  public override toTerraform(): Record<string, unknown> {
    const config = this.terraformJson();
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

  /** `cdktf synth --hcl` (SYNTH_HCL_OUTPUT) renders HCL instead: the same check first. */
  public override toHclTerraform(): ReturnType<TerraformStack["toHclTerraform"]> {
    this.toTerraform();
    return super.toHclTerraform();
  }

  /**
   * A stack-level override (`stack.addOverride`) is refused: toTerraform leaves stack-level overrides out. Override
   * the element instead (`resource.addOverride`).
   */
  public override addOverride(path: string): never {
    throw new Error(`stack ${this.node.id}: addOverride("${path}") on a stack is not supported; override the resource instead`);
  }

  /**
   * The JSON cdktf 0.21's TerraformStack.toTerraform builds (lib/terraform-stack.js), but for its last step: cdktf
   * resolves each element's fragment, merges them, then resolves the merged whole again. That second walk over every
   * resolved resource finds nothing to resolve but stack-level overrides (refused above) and a token whose marker only
   * appears once two resolved strings are joined, which no construct here makes. It costs about 6 % of warm synth's
   * CPU. self-contained-stack.test.ts checks the JSON equals cdktf's own for every stack of the shipped app.
   */
  private terraformJson(): Json & StackConfig {
    const elements = this.node
      .findAll()
      .filter((node): node is TerraformElement => TerraformElement.isTerraformElement(node) && node.cdktfStack === this);
    const resolved = (fragment: unknown) => Tokenization.resolve(fragment, { scope: this, resolver: RESOLVER }) as Json;
    const metadata: Json = { version: this.node.tryGetContext("cdktfVersion"), stackName: this.node.id, backend: "local" };
    for (const element of elements) merge(metadata, resolved(element.toMetadata()));
    const outputs: Json = {};
    for (const output of elements.filter((element) => TerraformOutput.isTerraformOutput(element))) {
      // { <stack>: { <output id>: <its name in the JSON> } }, by the output's construct path.
      merge(
        outputs,
        output.node.path.split("/").reduceRight<unknown>((inner, part) => ({ [part]: inner }), output.friendlyUniqueId) as Json,
      );
    }
    const config: Json = { "//": { metadata, outputs } };
    for (const element of elements) merge(config, resolved(element.toTerraform()));
    return config;
  }
}
