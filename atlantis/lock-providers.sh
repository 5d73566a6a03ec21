#!/bin/sh
# Checks or writes atlantis/terraform.lock.hcl: the hashes of hashicorp/aws at the version the stacks
# pin (@cdktf/provider-aws's provider version), for every platform the registry publishes it for (as
# the committed file has them). Run it on a machine that can reach registry.terraform.io: terraform
# verifies HashiCorp's signature on the checksums. When the committed file holds exactly the hashes the
# registry gives, it is left as it is; otherwise it is rewritten: review the diff, commit. The image's
# provider mirror is checked against it (atlantis/Dockerfile), and init on the server reads it with
# -lockfile=readonly (atlantis/server.yaml).
set -eu
cd "$(dirname "$0")/.."
version="$(node -p 'require("@cdktf/provider-aws/package.json").cdktf.provider.version')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The platforms of that version (Provider Registry Protocol, "List Available Versions":
# https://developer.hashicorp.com/terraform/internals/provider-registry-protocol#list-available-versions).
platforms="$(curl -fsS https://registry.terraform.io/v1/providers/hashicorp/aws/versions | node -e '
  let text = ""; process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
    const found = JSON.parse(text).versions.find((v) => v.version === process.argv[1]);
    if (!found) { console.error(`hashicorp/aws ${process.argv[1]} is not in the registry`); process.exit(1); }
    console.log(found.platforms.map((p) => `-platform=${p.os}_${p.arch}`).join(" "));
  });' "$version")"
printf '{"terraform":{"required_providers":{"aws":{"source":"hashicorp/aws","version":"%s"}}}}\n' "$version" > "$work/versions.tf.json"
# shellcheck disable=SC2086 # one word per platform flag
(cd "$work" && CHECKPOINT_DISABLE=1 terraform providers lock $platforms)
committed=atlantis/terraform.lock.hcl
hashes() { { grep -o '"[hz][1h]:[^"]*"' "$1" || true; } | sort -u; }
hashes "$work/.terraform.lock.hcl" > "$work/registry-hashes"
if [ -f "$committed" ]; then hashes "$committed"; fi > "$work/committed-hashes"
if grep -q "^  version     = \"$version\"$" "$committed" 2>/dev/null && cmp -s "$work/registry-hashes" "$work/committed-hashes"; then
  echo "$committed holds exactly the hashes the registry gives for hashicorp/aws $version: unchanged"
else
  cp "$work/.terraform.lock.hcl" "$committed"
  echo "wrote $committed for hashicorp/aws $version: review the diff and commit it"
fi
