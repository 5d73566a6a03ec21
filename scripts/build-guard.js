/**
 * `npm run build:guard [-- --out <file>] [--commit <sha>]`: builds opsdata-guard.js (scripts/opsdata-guard.ts:
 * the plan guard, the config check, the environments and the Atlantis roles) into one file that
 * runs with `node opsdata-guard.js ...` anywhere, without node_modules. Build it from a tagged
 * commit of main and install it on the Atlantis server outside the repository (atlantis/Dockerfile).
 *
 * The version is package.json's plus the commit (`git rev-parse HEAD`, or --commit when building
 * from an exported tree without .git), with `-dirty` when the tree has uncommitted changes; it is in
 * the file's first line and in everything the guard prints. @default --out dist/opsdata-guard.js
 */
"use strict";
const { execFileSync } = require("node:child_process");
const { mkdirSync, readFileSync, writeFileSync } = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const USAGE = "usage: npm run build:guard [-- --out <file>] [--commit <sha>]";

function parseArguments(args) {
  const options = { out: path.join(root, "dist", "opsdata-guard.js"), commit: undefined };
  for (let i = 0; i < args.length; i += 2) {
    const [name, value] = [args[i], args[i + 1]];
    if (!["--out", "--commit"].includes(name) || value === undefined) throw new Error(`${name ?? ""}: ${USAGE}`);
    options[name.slice(2)] = name === "--out" ? path.resolve(value) : value;
  }
  return options;
}

/** The commit the guard is built from; -dirty when the tree differs from it. */
function sourceCommit(given) {
  if (given) return given;
  const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
  try {
    return `${git("rev-parse", "HEAD")}${git("status", "--porcelain") ? "-dirty" : ""}`;
  } catch {
    throw new Error(`cannot read the commit with git in ${root}; pass --commit <sha>. ${USAGE}`);
  }
}

function buildGuard({ out, commit: given }) {
  const commit = sourceCommit(given);
  const packageVersion = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).version;
  const version = `${packageVersion}+${commit}`;
  // The hashicorp/aws version @cdktf/provider-aws was generated for: what synth writes into required_providers.
  const providerVersion = require("@cdktf/provider-aws/package.json").cdktf.provider.version;
  const { outputFiles } = require("esbuild").buildSync({
    entryPoints: [path.join(root, "scripts", "opsdata-guard.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    write: false,
    outfile: out,
    legalComments: "none",
    banner: { js: `// opsdata-guard ${version}: built by npm run build:guard; do not edit.` },
    define: {
      OPSDATA_GUARD_VERSION: JSON.stringify(version),
      OPSDATA_AWS_PROVIDER_VERSION: JSON.stringify(providerVersion),
    },
  });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, outputFiles[0].contents);
  return { out, version };
}

try {
  const { out, version } = buildGuard(parseArguments(process.argv.slice(2)));
  console.log(`built opsdata-guard ${version} -> ${path.relative(process.cwd(), out) || out}`);
} catch (error) {
  console.error(error.message);
  process.exitCode = 1;
}
