/**
 * atlantis.yaml, the server-side atlantis/server.yaml, atlantis/server-flags.yaml and atlantis/Dockerfile,
 * checked against the committed stacks and against Atlantis's rules (__tests__/helpers/atlantis-rules.ts).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { SERVER_FLAGS, STACKS, atlantisProblems, serverProblems, type AtlantisConfig, type ServerConfig } from "../helpers/atlantis-rules";

const root = join(__dirname, "../..");
const readYaml = <T>(file: string) => parseYaml(readFileSync(join(root, file), "utf8")) as T;
const atlantis = readYaml<AtlantisConfig>("atlantis.yaml");
const server = readYaml<ServerConfig>("atlantis/server.yaml");
const flags = readYaml<Record<string, unknown>>("atlantis/server-flags.yaml");
const dockerfile = readFileSync(join(root, "atlantis/Dockerfile"), "utf8");
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
  .trim()
  .split("\n");

describe("atlantis.yaml", () => {
  test("one project per committed stack; every file of the repository triggers autoplan of every project", () => {
    expect(atlantisProblems(atlantis, STACKS, files)).toEqual([]);
  });

  test("files a pull request could change without touching a stack still replan all three projects", () => {
    const routes = [".npmrc", "package.json", "scripts/plan-guard.ts", "atlantis.yaml", "cost/estimate.ts", ".build/project/x.json"];
    expect(atlantisProblems(atlantis, STACKS, routes)).toEqual([]);
  });

  test("apply order follows the environments' order (dev, then each later one): execution groups, depends_on", () => {
    const order = [...atlantis.projects].sort((a, b) => a.execution_order_group - b.execution_order_group).map((p) => p.name);
    expect(order).toEqual(STACKS);
    expect(order.slice(0, 1)).toEqual(["dynamodb-dev"]);
    expect(order.slice(-2)).toEqual(["dynamodb-staging", "dynamodb-prod"]);
    // Each project depends on the one before it: prod cannot be applied before staging, nor staging before dev.
    expect(Object.fromEntries(atlantis.projects.map((p) => [p.name, p.depends_on ?? []]))).toEqual(
      Object.fromEntries(STACKS.map((stack, at) => [stack, at === 0 ? [] : [STACKS[at - 1]]])),
    );
  });

  describe("the check catches drift", () => {
    test("a stack's project removed", () => {
      const edited = { ...atlantis, projects: atlantis.projects.filter((p) => p.name !== "dynamodb-staging") };
      expect(atlantisProblems(edited, STACKS, [])).toEqual([
        "stack dynamodb-staging has 0 projects in atlantis.yaml; add exactly one with dir synthesized/dynamodb-staging",
      ]);
    });

    test("a narrower when_modified leaves the guard's and the tools' files without autoplan", () => {
      const project = { ...atlantis.projects[0], autoplan: { enabled: true, when_modified: ["*.json"] } };
      expect(
        atlantisProblems(
          { ...atlantis, projects: [project] },
          ["dynamodb-dev"],
          ["synthesized/dynamodb-dev/cdk.tf.json", "package.json", ".npmrc"],
        ),
      ).toEqual([
        "project dynamodb-dev: a change to package.json would not trigger autoplan",
        "project dynamodb-dev: a change to .npmrc would not trigger autoplan",
      ]);
    });
  });
});

describe("atlantis/server.yaml with atlantis.yaml", () => {
  test("Atlantis accepts the pair, and none of our fail-closed rules is broken", () => {
    expect(serverProblems(atlantis, server)).toEqual([]);
  });

  test("the repo gets the server's workflow; atlantis.yaml can choose nothing and define nothing", () => {
    expect(server.repos[0]).toEqual(
      expect.objectContaining({
        workflow: "opsdata",
        allowed_overrides: [],
        allowed_workflows: ["opsdata"],
        allow_custom_workflows: false,
      }),
    );
    expect(server.repos[0]).not.toHaveProperty("pre_workflow_hooks");
    expect(atlantis.workflows).toBeUndefined();
  });

  test("apply requires approval, mergeability and no divergence; the guard runs as a custom policy check", () => {
    expect(server.repos[0]).toEqual(
      expect.objectContaining({
        apply_requirements: ["approved", "mergeable", "undiverged"],
        import_requirements: ["approved", "mergeable", "undiverged"],
        policy_check: true,
        custom_policy_check: true,
      }),
    );
  });

  test("the workflow runs terraform and the installed guard only, each stage with its environment's role", () => {
    const { plan, policy_check, apply } = server.workflows.opsdata;
    const config = { run: 'node /opt/opsdata/opsdata-guard.js config "$DIR" --project "$PROJECT_NAME" --workspace "$WORKSPACE"' };
    const role = (stage: string) => ({
      env: { name: "AWS_PROFILE", command: `node /opt/opsdata/opsdata-guard.js profile ${stage} --project "$PROJECT_NAME"` },
    });
    expect(plan.steps).toEqual([
      config,
      role("plan"),
      {
        run:
          "rm -rf .terraform .terraform.lock.hcl && cp /opt/opsdata/terraform.lock.hcl .terraform.lock.hcl && " +
          "terraform init -input=false -lockfile=readonly",
      },
      { run: 'terraform plan -input=false -refresh -out "$PLANFILE"' },
    ]);
    expect(policy_check.steps).toEqual([
      role("plan"),
      "show",
      { run: 'node /opt/opsdata/opsdata-guard.js plan "$SHOWFILE" --project "$PROJECT_NAME" --policy-check' },
    ]);
    expect(apply.steps).toEqual([config, role("apply"), { run: 'terraform apply -input=false "$PLANFILE"' }]);
  });

  test("one policy set, the installed guard, approved by policy owners other than the author", () => {
    expect(server.policies).toEqual({
      owners: { teams: ["opsdata-policy-owners"] },
      policy_sets: [{ name: "opsdata-plan-guard", path: "/opt/opsdata/opsdata-guard.js", source: "local", prevent_self_approve: true }],
    });
  });

  describe("the check names what Atlantis would reject, or what would run repository code", () => {
    test("a repo-level workflow (e.g. a step after the guard rewriting the plan file)", () => {
      const edited = { ...atlantis, workflows: { mine: { plan: { steps: ["plan", { run: "node cost/rewrite.js $PLANFILE" }] } } } };
      expect(serverProblems(edited, server)).toEqual([
        "repo config not allowed to define custom workflows: server-side config needs 'allow_custom_workflows: true'",
      ]);
    });

    test("a project choosing a workflow or lowering its requirements", () => {
      const edited = { ...atlantis, projects: atlantis.projects.map((p) => ({ ...p, workflow: "default", apply_requirements: [] })) };
      expect(serverProblems(edited, server)).toContain(
        "repo config not allowed to set 'workflow' key: server-side config needs 'allowed_overrides: [workflow]'",
      );
      expect(serverProblems(edited, server)).toContain(
        "repo config not allowed to set 'apply_requirements' key: server-side config needs 'allowed_overrides: [apply_requirements]'",
      );
    });

    test("a server workflow step that runs the repository's scripts", () => {
      const edited = structuredClone(server);
      edited.workflows.opsdata.plan.steps.push({ run: "npm run --silent plan:guard -- $SHOWFILE" }, { run: "cd .. && node cost/x.js" });
      edited.repos[0].pre_workflow_hooks = [{ run: "npm ci" }];
      expect(serverProblems(atlantis, edited)).toEqual([
        "server.yaml: pre_workflow_hooks run on the server with its credentials; there must be none",
        'workflow opsdata: "npm run --silent plan:guard -- $SHOWFILE" is not terraform or node /opt/opsdata/opsdata-guard.js',
        'workflow opsdata: "cd .." is not terraform or node /opt/opsdata/opsdata-guard.js',
        'workflow opsdata: "node cost/x.js" is not terraform or node /opt/opsdata/opsdata-guard.js',
      ]);
    });

    test("a built-in step that passes the comment's extra args to terraform (atlantis plan -- -var-file=...)", () => {
      const edited = structuredClone(server);
      edited.workflows.opsdata.plan.steps.push("plan");
      edited.workflows.opsdata.apply.steps.push({ apply: { extra_args: ["-no-color"] } }, { run: "terraform apply $COMMENT_ARGS" });
      expect(serverProblems(atlantis, edited)).toEqual([
        "workflow opsdata: the built-in plan step passes the comment's extra args to terraform; use a run step",
        "workflow opsdata: the built-in apply step passes the comment's extra args to terraform; use a run step",
        'workflow opsdata: "terraform apply $COMMENT_ARGS" uses the comment\'s extra args',
      ]);
    });

    test("no shipped workflow step takes the comment's extra args: only run, env and show steps", () => {
      const steps = Object.values(server.workflows).flatMap((workflow) => Object.values(workflow).flatMap((stage) => stage.steps));
      const builtIns = steps.map((step) => (typeof step === "string" ? step : Object.keys(step)[0]));
      expect([...new Set(builtIns)].sort()).toEqual(["env", "run", "show"]);
    });

    test("a policy set with a relative path, and an unknown step key", () => {
      const edited = structuredClone(server);
      edited.policies.policy_sets[0].path = "guards/plan-guard.ts";
      edited.workflows.opsdata.apply.steps.unshift({ env: { name: "X", comand: "true" } });
      expect(serverProblems(atlantis, edited)).toEqual([
        "workflow opsdata step env: unknown key comand",
        "policy set opsdata-plan-guard: a local source with an absolute path (a relative one resolves inside the pull request's clone)",
      ]);
    });

    test("prod no longer depending on staging", () => {
      const edited = { ...atlantis, projects: atlantis.projects.map((p) => ({ ...p, depends_on: undefined })) };
      expect(serverProblems(edited, server)).toEqual(
        expect.arrayContaining(["project dynamodb-prod must depend on [dynamodb-staging] (depends_on), not []"]),
      );
    });
  });
});

describe("atlantis/server-flags.yaml and atlantis/Dockerfile", () => {
  test("the flags are Atlantis's, and the ones the design relies on are set", () => {
    expect(Object.keys(flags).filter((flag) => !SERVER_FLAGS.includes(flag))).toEqual([]);
    expect(flags).toEqual(
      expect.objectContaining({
        "checkout-strategy": "merge",
        "enable-policy-checks": true,
        "fail-on-pre-workflow-hook-error": true,
        "allow-commands": "version,plan,apply,unlock,approve_policies",
        "allow-fork-prs": false,
        "tf-download": false,
        "repo-config": "/etc/atlantis/server.yaml",
      }),
    );
  });

  test("comments cannot pass terraform the flags that read files or change what is applied; only the owning team commands", () => {
    const blocked = String(flags["blocked-extra-args"]).split(",");
    // Atlantis's defaults stay (the flag replaces them), and the ones a comment would use to read server files.
    expect(blocked).toEqual(expect.arrayContaining(["-chdir", "--chdir", "-plugin-dir", "--plugin-dir", "-var-file", "-var", "-target"]));
    expect(String(flags["gh-team-allowlist"]).split(",")).toEqual([
      "opsdata-infra:plan",
      // Without it a manual `atlantis plan` would not run the policy check (server-configuration.md).
      "opsdata-infra:policy_check",
      "opsdata-infra:apply",
      "opsdata-infra:unlock",
      "opsdata-infra:version",
      "opsdata-policy-owners:approve_policies",
    ]);
  });

  test("the image pins Atlantis, terraform and hashicorp/aws; the AWS version is the one synth pins", () => {
    const arg = (name: string) => new RegExp(`^ARG ${name}=(.+)$`, "m").exec(dockerfile)?.[1];
    expect({ atlantis: arg("ATLANTIS_VERSION"), terraform: arg("TERRAFORM_VERSION"), aws: arg("AWS_PROVIDER_VERSION") }).toEqual({
      atlantis: "v0.47.1",
      terraform: "1.11.4",
      aws: "6.25.0",
    });
    const synthesized = JSON.parse(readFileSync(join(root, "synthesized/dynamodb-prod/cdk.tf.json"), "utf8"));
    expect(synthesized.terraform.required_providers.aws.version).toBe(arg("AWS_PROVIDER_VERSION"));
  });

  test("the committed lock file pins the same hashicorp/aws, with a package hash (zh:) and a content hash (h1:) per platform", () => {
    const lock = readFileSync(join(root, "atlantis/terraform.lock.hcl"), "utf8");
    const blocks = [...lock.matchAll(/^provider "([^"]+)" \{$/gm)].map((match) => match[1]);
    expect(blocks).toEqual(["registry.terraform.io/hashicorp/aws"]);
    expect(lock).toMatch(/^ {2}version {5}= "6\.25\.0"$/m);
    expect(lock).toMatch(/^ {2}constraints = "6\.25\.0"$/m);
    // One h1: per platform HashiCorp builds (14) and one zh: per release zip (the 14 and the manifest).
    expect(lock.match(/"h1:[A-Za-z0-9+/]{43}="/g)).toHaveLength(14);
    expect(lock.match(/"zh:[0-9a-f]{64}"/g)).toHaveLength(15);
  });

  test("the image installs every file the server config names where it names it", () => {
    for (const copied of [
      "COPY --from=guard /out/opsdata-guard.js /opt/opsdata/opsdata-guard.js",
      "COPY --from=source /src/atlantis/terraform.lock.hcl /opt/opsdata/terraform.lock.hcl",
      "COPY --from=source /src/atlantis/server.yaml /src/atlantis/server-flags.yaml /etc/atlantis/",
      "ENV TF_CLI_CONFIG_FILE=/opt/opsdata/terraformrc",
    ]) {
      expect(dockerfile).toContain(copied);
    }
  });

  test("the image is built from `git archive` of the tag: no file of the build context but .git is copied", () => {
    const copies = dockerfile.split("\n").filter((line) => line.startsWith("COPY ") && !line.startsWith("COPY --from="));
    expect(copies).toEqual(["COPY .git /repo.git"]);
    expect(
      readFileSync(join(root, ".dockerignore"), "utf8")
        .split("\n")
        .filter((line) => line && !line.startsWith("#")),
    ).toEqual(["*", "!.git"]);
    expect(dockerfile).toContain('git --git-dir=/repo.git archive --format=tar "${tagged}" | tar -x -C /src');
  });

  describe("the source stage's check that the tag names GUARD_COMMIT (run here on a bare clone of this checkout)", () => {
    const sourceStep = /^FROM \S+ AS source\n(?:.*\n)*?RUN (test -n (?:.*\\\n)*.*)$/m.exec(dockerfile)![1].replace(/\\\n/g, "\n");
    let work: string;
    let head: string;
    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), "atlantis-source-"));
      head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
      execFileSync("git", ["clone", "--quiet", "--bare", root, join(work, "repo.git")]);
      execFileSync("git", ["--git-dir", join(work, "repo.git"), "tag", "guard-test", head]);
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));
    const build = (commit: string) => {
      rmSync(join(work, "src"), { recursive: true, force: true });
      const script = sourceStep.replaceAll("/repo.git", join(work, "repo.git")).replaceAll("/src", join(work, "src"));
      return spawnSync("sh", ["-c", script], { encoding: "utf8", env: { ...process.env, GUARD_TAG: "guard-test", GUARD_COMMIT: commit } });
    };

    test("GIVEN the tag's commit THEN the tree of that commit is exported", () => {
      const run = build(head);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(readFileSync(join(work, "src/scripts/opsdata-guard.ts"), "utf8")).toContain("opsdata-guard.js");
    });

    test("GIVEN another commit (the tag was moved) THEN the build fails naming both", () => {
      const run = build("0".repeat(40));
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(`tag guard-test is ${head}, not GUARD_COMMIT ${"0".repeat(40)}\n`);
      expect(existsSync(join(work, "src"))).toBe(false);
    });
  });
});
