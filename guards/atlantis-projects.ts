/**
 * The projects of the repository's atlantis.yaml, checked by the trusted guard against the environments
 * compiled into it. atlantis.yaml comes with the pull request, and it decides the apply order
 * (execution_order_group, depends_on: Atlantis refuses to apply a project before what it depends on,
 * command_requirement_handler.go) and what autoplans (when_modified). A pull request that drops
 * `depends_on` from prod, or narrows when_modified so staging is not in the pull status, is refused
 * here before anything is planned. A pure function over the parsed YAML.
 */
import { isObject, type Json } from "../config/json";

/** Everything under the repository root, relative to a project dir synthesized/<stack>. */
export const WHEN_MODIFIED_EVERYTHING = "../../**/*";
const TOP_LEVEL_KEYS = ["version", "automerge", "parallel_plan", "parallel_apply", "projects"];
const PROJECT_KEYS = ["name", "dir", "execution_order_group", "depends_on", "autoplan", "workspace"];

const show = (value: unknown) => JSON.stringify(value ?? null);

/**
 * Problems with atlantis.yaml for the stacks in their apply order (dev, staging, prod): exactly one
 * project per stack named after it, in synthesized/<stack>, group i+1, depending on the stack before it,
 * autoplanned on a change to any file.
 */
export function atlantisProjectProblems(config: unknown, stacks: readonly string[]): string[] {
  const refuse: string[] = [];
  const where = "atlantis.yaml";
  if (!isObject(config)) return [`${where}: not a YAML mapping; restore it from main`];
  for (const key of Object.keys(config).filter((k) => !TOP_LEVEL_KEYS.includes(k))) {
    refuse.push(`${where}: ${key} is not allowed (only ${TOP_LEVEL_KEYS.join(", ")})`);
  }
  if (config.version !== 3) refuse.push(`${where}: version is ${show(config.version)}; use 3`);
  if (config.parallel_apply === true) refuse.push(`${where}: parallel_apply would apply the environments at once; remove it`);
  const projects = Array.isArray(config.projects) ? config.projects : [];
  const names = projects.map((project) => (isObject(project) ? project.name : undefined));
  if (JSON.stringify(names) !== JSON.stringify(stacks)) {
    refuse.push(`${where}: projects are ${show(names)}; they must be exactly ${show(stacks)}, in this order`);
  }
  projects.forEach((project) => {
    if (!isObject(project)) return;
    const name = String(project.name);
    const stack = stacks.indexOf(name);
    if (stack === -1) return;
    const at = `${where}: project ${name}`;
    for (const key of Object.keys(project).filter((k) => !PROJECT_KEYS.includes(k))) {
      refuse.push(`${at}: ${key} is not allowed (only ${PROJECT_KEYS.join(", ")})`);
    }
    const expected: Json = {
      dir: `synthesized/${name}`,
      execution_order_group: stack + 1,
      depends_on: stack === 0 ? [] : [stacks[stack - 1]],
    };
    const actual: Json = { ...project, depends_on: project.depends_on ?? [] };
    for (const [key, value] of Object.entries(expected)) {
      if (show(actual[key]) !== show(value)) refuse.push(`${at}: ${key} is ${show(project[key])}; it must be ${show(value)}`);
    }
    if (project.workspace !== undefined && project.workspace !== "default") {
      refuse.push(`${at}: workspace is ${show(project.workspace)}; the environments' state is in the default workspace`);
    }
    const autoplan = isObject(project.autoplan) ? project.autoplan : {};
    // Exactly this one pattern: Atlantis also reads `!` patterns, which would exclude files.
    if (autoplan.enabled !== true || show(autoplan.when_modified) !== show([WHEN_MODIFIED_EVERYTHING])) {
      refuse.push(
        `${at}: autoplan must be enabled with when_modified ["${WHEN_MODIFIED_EVERYTHING}"]: a change to any file replans ` +
          "every environment, so the pull status always holds the ones before it",
      );
    }
  });
  return refuse;
}
