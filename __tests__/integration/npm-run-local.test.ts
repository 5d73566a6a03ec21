/** `npm run local`: brings up an environment's tables; another process queries them; Ctrl-C stops it. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";

const root = join(__dirname, "../..");

test("serves the chosen environment's tables until interrupted", async () => {
  const child = spawn(process.execPath, ["scripts/run-ts.js", "scripts/local.ts", "--env", "staging"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr.on("data", (chunk) => (output += chunk));
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const found = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (found) resolve(found[1]);
    });
    child.once("exit", (code) => reject(new Error(`npm run local exited with ${code}:\n${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  try {
    const client = new DynamoDBClient({
      endpoint,
      region: "eu-west-1",
      credentials: { accessKeyId: "other", secretAccessKey: "terminal" },
    });
    const { TableNames } = await client.send(new ListTablesCommand({}));
    client.destroy();
    expect(TableNames).toEqual([
      "opsdata_staging_api_keys",
      "opsdata_staging_audit_logs",
      "opsdata_staging_idempotency_keys",
      "opsdata_staging_webhook_events",
    ]);
  } finally {
    child.kill("SIGINT");
  }
  expect(await exited).toBe(0);
});
