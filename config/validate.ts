import { ENVIRONMENT_NAMES, type EnvironmentName } from "./environment-bounds";
import { environmentSchema, type Environment } from "./schema";

/** Invalid configuration. `problems` are "<environment>.<field>: <what and how to fix>" lines. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment configuration (config/environments.ts):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function environmentLabel(input: unknown, position: number): string {
  const name = (input as { name?: unknown } | null)?.name;
  return typeof name === "string" && name !== "" ? name : `environments[${position}]`;
}

/**
 * Validates every environment and the rules between them. Throws one ConfigError listing every
 * problem, so a user fixes them in one pass.
 */
export function validateEnvironments(inputs: readonly unknown[]): Environment[] {
  const problems: string[] = [];
  const environments: Environment[] = [];
  inputs.forEach((input, position) => {
    const label = environmentLabel(input, position);
    const result = environmentSchema.safeParse(input);
    if (!result.success) {
      for (const issue of result.error.issues) {
        problems.push(`${[label, ...issue.path.map(String)].join(".")}: ${issue.message}`);
      }
      return;
    }
    environments.push(result.data);
  });

  const seen = new Map<string, Environment>();
  const stateOwners = new Map<string, string>();
  const tableOwners = new Map<string, string>();
  for (const environment of environments) {
    if (seen.has(environment.name)) {
      problems.push(`${environment.name}.name: defined twice; each environment appears once`);
    }
    seen.set(environment.name, environment);

    const stateObject = `s3://${environment.state.bucket}/${environment.state.key}`;
    const stateOwner = stateOwners.get(stateObject);
    if (stateOwner) {
      problems.push(
        `${environment.name}.state.key: ${stateObject} is already the state of ${stateOwner}; give each environment its own key`,
      );
    }
    stateOwners.set(stateObject, environment.name);

    const tablePlace = `${environment.aws.accountId}/${environment.aws.region}/${environment.tableNamePrefix}`;
    const tableOwner = tableOwners.get(tablePlace);
    if (tableOwner) {
      problems.push(
        `${environment.name}.tableNamePrefix: "${environment.tableNamePrefix}" in the same account and region as ${tableOwner} would create the same tables; use a distinct prefix`,
      );
    }
    tableOwners.set(tablePlace, environment.name);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return environments;
}

/** Picks environments by name, e.g. from a command-line flag; unknown names are an error. */
export function selectEnvironments(environments: readonly Environment[], names: readonly string[]): Environment[] {
  return names.map((name) => {
    const found = environments.find((environment) => environment.name === name);
    if (!found) {
      const configured = environments.map((environment) => environment.name).join(", ");
      const known = ENVIRONMENT_NAMES.includes(name as EnvironmentName);
      throw new ConfigError([
        known
          ? `${name}: not configured; add it to config/environments.ts (configured: ${configured})`
          : `${name}: unknown environment; use one of ${configured}`,
      ]);
    }
    return found;
  });
}
