/**
 * What proves services can use @opsdata/access: `npm pack` the package (built from a copy of its
 * sources, so nothing is written into this checkout), install the tarball into a scratch project
 * outside the repository with only its peer dependencies (from npm's cache or the npm registry),
 * compile the README's example against the installed types and run it on DynamoDB Local.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createTablesFromStack, tablesOfStack } from "../../local/tables-from-terraform";
import { shippedStacks } from "../helpers/synth";
import { suiteDynamoDb } from "./support/dynamodb";

const root = join(__dirname, "../..");
/** This process's environment without what `npm test` sets for its own run (npm_config_*, npm_lifecycle_*, ...). */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "opsdata-access-consumer-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The ts block between the README's example markers. */
function readmeExample(): string {
  const readme = readFileSync(join(root, "packages/opsdata-access/README.md"), "utf8");
  const block = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(readme);
  if (!block) throw new Error("packages/opsdata-access/README.md: no ts block between <!-- example:start --> and <!-- example:end -->");
  return block[1];
}

test("GIVEN the packed tarball installed with only its peer dependencies WHEN the README example runs on DynamoDB Local THEN it prints what the README says", async () => {
  // 1. Pack from a copy: the package and the table definitions it compiles in, with this checkout's tools.
  const source = join(scratch, "source");
  cpSync(join(root, "packages/opsdata-access"), join(source, "packages/opsdata-access"), {
    recursive: true,
    filter: (path) => !path.includes(`${join("opsdata-access", "dist")}`),
  });
  cpSync(join(root, "tables"), join(source, "tables"), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(source, "node_modules"), "dir");
  const packed = JSON.parse(
    execFileSync(npm, ["pack", "--json", "--pack-destination", scratch], {
      cwd: join(source, "packages/opsdata-access"),
      encoding: "utf8",
      stdio: "pipe",
      env: cleanEnv,
    }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = packed[0].files.map((file) => file.path);
  expect(files.filter((path) => !path.startsWith("dist/")).sort()).toEqual(["CHANGELOG.md", "README.md", "package.json"]);
  expect(files).toContain("dist/packages/opsdata-access/src/index.d.ts");
  expect(files).toContain("dist/tables/api-keys.js");

  // 2. A service's project: the tarball and the peer dependencies, nothing else.
  const consumer = join(scratch, "consumer");
  mkdirSync(consumer);
  const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const peers = ["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb", "@aws-sdk/util-dynamodb"].map(
    (name) => `${name}@${rootPackage.dependencies[name]}`,
  );
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "payments-service", private: true }));
  execFileSync(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", join(scratch, packed[0].filename), ...peers], {
    cwd: consumer,
    encoding: "utf8",
    stdio: "pipe",
    env: cleanEnv,
  });
  const installed = readdirSync(join(consumer, "node_modules"));
  expect(installed).not.toContain("cdktf");
  expect(installed).not.toContain("@cdktf");
  expect(readdirSync(join(consumer, "node_modules/@opsdata"))).toEqual(["access"]);

  // An ES module service imports the same names (Node reads the CommonJS build's exports).
  const esm = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      'import { OpsDataAccess, ThrottledError, hashApiKey } from "@opsdata/access"; console.log(typeof OpsDataAccess, typeof ThrottledError, hashApiKey("abc"));',
    ],
    { cwd: consumer, encoding: "utf8" },
  );
  expect(esm.stdout).toBe("function function ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");

  // 3. The README's example, type-checked against the installed package's types (its `exports`), then run.
  writeFileSync(join(consumer, "example.ts"), readmeExample());
  writeFileSync(
    join(consumer, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        module: "node16",
        moduleResolution: "node16",
        types: ["node"],
        typeRoots: [join(root, "node_modules/@types")],
        outDir: "out",
      },
      files: ["example.ts"],
    }),
  );
  const compiled = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "."], {
    cwd: consumer,
    encoding: "utf8",
  });
  expect(compiled.stdout + compiled.stderr).toBe("");

  const dynamodb = await suiteDynamoDb("local");
  const client = new DynamoDBClient(dynamodb.clientConfig);
  const stack = structuredClone(shippedStacks()["dynamodb-dev"]);
  for (const table of Object.values(tablesOfStack(stack))) table.name = table.name.replace("opsdata_dev_", "opsdata_consumer_");
  await createTablesFromStack(client, stack);
  client.destroy();
  const run = spawnSync(process.execPath, ["out/example.js"], {
    cwd: consumer,
    encoding: "utf8",
    env: { ...process.env, OPSDATA_ENDPOINT: dynamodb.endpoint, OPSDATA_TABLE_PREFIX: "opsdata_consumer_", AWS_REGION: "eu-west-1" },
  });
  expect(run.stderr).not.toMatch(/Error/);
  const readme = readFileSync(join(root, "packages/opsdata-access/README.md"), "utf8");
  const printed = /It prints:\s*```text\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(run.stdout).toBe(printed);
  expect(run.stdout).toBe(
    'api key: valid\nfirst request: completed\nduplicate replays: {"statusCode":201,"orderId":"o-1"}\nwebhook: delivered\naudit entries: 1\n',
  );
  expect(run.status).toBe(0);
}, 240_000);
