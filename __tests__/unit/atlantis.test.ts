/** atlantis.yaml stays in step with the code: one project per synthesized stack, real paths. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { minimatch } from "minimatch";
import { parse as parseYaml } from "yaml";
import { synthesize } from "../../stacks/app";

interface Project {
  name: string;
  dir: string;
  terraform_version: string;
  execution_order_group: number;
  workflow: string;
  autoplan: { enabled: boolean; when_modified: string[] };
  apply_requirements: string[];
}
interface AtlantisConfig {
  projects: Project[];
  workflows: Record<string, unknown>;
}

const root = join(__dirname, "../..");
const SOURCES = /^(main\.ts|cdktf\.json|package-lock\.json|schema\.lock\.json|(config|stacks|tables|guards)\/.*\.ts)$/;

/** Everything that makes atlantis.yaml disagree with the synthesized stacks and the sources. */
function atlantisProblems(atlantis: AtlantisConfig, synthesizedStacks: string[], files: string[]): string[] {
  const problems: string[] = [];
  for (const stack of synthesizedStacks.filter((name) => name.startsWith("dynamodb-"))) {
    const count = atlantis.projects.filter((p) => p.dir === `ci-cdktf.out/stacks/${stack}`).length;
    if (count !== 1)
      problems.push(`stack ${stack} has ${count} projects in atlantis.yaml; add exactly one with dir ci-cdktf.out/stacks/${stack}`);
  }
  for (const project of atlantis.projects) {
    const stack = project.dir.replace("ci-cdktf.out/stacks/", "");
    if (!synthesizedStacks.includes(stack)) problems.push(`project ${project.name} points at ${project.dir}, which synth does not produce`);
    if (project.name !== stack) problems.push(`project ${project.name} is named differently from its stack ${stack}`);
    if (!atlantis.workflows[project.workflow]) problems.push(`project ${project.name} uses undefined workflow ${project.workflow}`);
    if (!project.autoplan?.enabled) problems.push(`project ${project.name} has autoplan disabled`);
    const patterns = (project.autoplan?.when_modified ?? []).map((pattern) => posix.normalize(posix.join(project.dir, pattern)));
    for (const pattern of patterns.filter((p) => !files.some((file) => minimatch(file, p)))) {
      problems.push(`project ${project.name}: autoplan pattern ${pattern} matches no file in the repository`);
    }
    for (const source of files.filter((file) => SOURCES.test(file) && !patterns.some((p) => minimatch(file, p)))) {
      problems.push(`project ${project.name}: a change to ${source} would not trigger autoplan`);
    }
  }
  return problems;
}

const atlantis = parseYaml(readFileSync(join(root, "atlantis.yaml"), "utf8")) as AtlantisConfig;
const stacks = synthesize({ outdir: join(mkdtempSync(join(tmpdir(), "atlantis-")), "ci-cdktf.out") }).map((s) => s.stack);
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
  .trim()
  .split("\n");

describe("atlantis.yaml", () => {
  test("has exactly one project per synthesized stack, every source path triggers autoplan", () => {
    expect(atlantisProblems(atlantis, stacks, files)).toEqual([]);
  });

  test("terraform is pinned to one exact version for every project", () => {
    expect([...new Set(atlantis.projects.map((p) => p.terraform_version))]).toEqual([expect.stringMatching(/^v\d+\.\d+\.\d+$/)]);
  });

  test("projects apply in order dev -> staging -> prod, prod with stricter requirements", () => {
    const order = [...atlantis.projects].sort((a, b) => a.execution_order_group - b.execution_order_group).map((p) => p.name);
    expect(order).toEqual(["dynamodb-dev", "dynamodb-staging", "dynamodb-prod"]);
    const requirements = (name: string) => atlantis.projects.find((p) => p.name === name)!.apply_requirements;
    expect(requirements("dynamodb-prod")).toEqual(expect.arrayContaining(requirements("dynamodb-staging")));
    expect(requirements("dynamodb-prod").length).toBeGreaterThan(requirements("dynamodb-staging").length);
  });

  describe("the check catches drift", () => {
    test("a stack's project removed from atlantis.yaml", () => {
      const edited = { ...atlantis, projects: atlantis.projects.filter((p) => p.name !== "dynamodb-staging") };
      expect(atlantisProblems(edited, stacks, files)).toEqual([
        "stack dynamodb-staging has 0 projects in atlantis.yaml; add exactly one with dir ci-cdktf.out/stacks/dynamodb-staging",
      ]);
    });

    test("a project for a stack synth no longer produces", () => {
      const edited = {
        ...atlantis,
        projects: [...atlantis.projects, { ...atlantis.projects[0], name: "dynamodb-qa", dir: "ci-cdktf.out/stacks/dynamodb-qa" }],
      };
      expect(atlantisProblems(edited, stacks, files)).toContain(
        "project dynamodb-qa points at ci-cdktf.out/stacks/dynamodb-qa, which synth does not produce",
      );
    });

    test("an autoplan pattern that matches nothing, and a source no pattern covers", () => {
      const project = atlantis.projects[0];
      const edited = {
        ...atlantis,
        projects: [
          {
            ...project,
            autoplan: {
              enabled: true,
              when_modified: ["../../../src/**/*.ts", ...project.autoplan.when_modified.filter((p) => !p.includes("config"))],
            },
          },
        ],
      };
      const problems = atlantisProblems(edited, ["dynamodb-dev"], files);
      expect(problems).toContain("project dynamodb-dev: autoplan pattern src/**/*.ts matches no file in the repository");
      expect(problems).toContain("project dynamodb-dev: a change to config/environments.ts would not trigger autoplan");
    });
  });
});
