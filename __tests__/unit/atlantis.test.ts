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

const root = join(__dirname, "../..");
const atlantis = parseYaml(readFileSync(join(root, "atlantis.yaml"), "utf8")) as { projects: Project[]; workflows: Record<string, unknown> };
const synthesizedStacks = synthesize({ outdir: join(mkdtempSync(join(tmpdir(), "atlantis-")), "ci-cdktf.out") }).map((s) => s.stack);
const environmentStacks = synthesizedStacks.filter((stack) => stack.startsWith("dynamodb-"));
const trackedFiles = execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" }).trim().split("\n");

describe("atlantis.yaml", () => {
  test("every synthesized environment stack has exactly one project", () => {
    for (const stack of environmentStacks) {
      const projects = atlantis.projects.filter((p) => p.dir === `ci-cdktf.out/stacks/${stack}`);
      if (projects.length !== 1) {
        throw new Error(`atlantis.yaml has ${projects.length} projects for stack ${stack}; add exactly one with dir ci-cdktf.out/stacks/${stack}`);
      }
    }
  });

  test("every project's directory is a synthesized stack", () => {
    for (const project of atlantis.projects) {
      const stack = project.dir.replace("ci-cdktf.out/stacks/", "");
      if (!synthesizedStacks.includes(stack)) {
        throw new Error(`atlantis.yaml project ${project.name} points at ${project.dir}, which synth does not produce`);
      }
      expect(project.name).toBe(stack);
      expect(atlantis.workflows[project.workflow]).toBeDefined();
    }
  });

  test("terraform is pinned to one exact version for every project", () => {
    const versions = new Set(atlantis.projects.map((p) => p.terraform_version));
    expect([...versions]).toEqual([expect.stringMatching(/^v\d+\.\d+\.\d+$/)]);
  });

  test("projects apply in order dev -> staging -> prod, prod with stricter requirements", () => {
    const order = [...atlantis.projects].sort((a, b) => a.execution_order_group - b.execution_order_group).map((p) => p.name);
    expect(order).toEqual(["dynamodb-dev", "dynamodb-staging", "dynamodb-prod"]);
    const requirements = (name: string) => atlantis.projects.find((p) => p.name === name)!.apply_requirements;
    expect(requirements("dynamodb-prod")).toEqual(expect.arrayContaining(requirements("dynamodb-staging")));
    expect(requirements("dynamodb-prod").length).toBeGreaterThan(requirements("dynamodb-staging").length);
  });

  test("autoplan patterns match the real source paths, and every source is covered", () => {
    for (const project of atlantis.projects) {
      expect(project.autoplan.enabled).toBe(true);
      const patterns = project.autoplan.when_modified.map((pattern) => posix.normalize(posix.join(project.dir, pattern)));
      for (const pattern of patterns) {
        if (!trackedFiles.some((file) => minimatch(file, pattern))) {
          throw new Error(`atlantis.yaml ${project.name}: autoplan pattern ${pattern} matches no file in the repository`);
        }
      }
      const sources = trackedFiles.filter(
        (file) => /^(main\.ts|cdktf\.json|package-lock\.json|schema\.lock\.json|(config|stacks)\/.*\.ts)$/.test(file),
      );
      for (const source of sources) {
        if (!patterns.some((pattern) => minimatch(source, pattern))) {
          throw new Error(`atlantis.yaml ${project.name}: a change to ${source} would not trigger autoplan`);
        }
      }
    }
  });
});
