#!/bin/sh
# Checks or writes atlantis/terraform.lock.hcl: the hashes of hashicorp/aws at the version the stacks
# pin (@cdktf/provider-aws's provider version) for the server's platforms. Run it on a machine that can
# reach registry.terraform.io (terraform verifies HashiCorp's signature on the checksums). When the
# committed file already holds every hash the registry gives (it also holds other platforms'), it is
# left as it is; otherwise it is rewritten: review the diff, commit. The image's provider mirror is
# checked against it (atlantis/Dockerfile), and init on the server reads it with -lockfile=readonly
# (atlantis/server.yaml).
set -eu
cd "$(dirname "$0")/.."
version="$(node -p 'require("@cdktf/provider-aws/package.json").cdktf.provider.version')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '{"terraform":{"required_providers":{"aws":{"source":"hashicorp/aws","version":"%s"}}}}\n' "$version" > "$work/versions.tf.json"
(cd "$work" && CHECKPOINT_DISABLE=1 terraform providers lock -platform=linux_amd64 -platform=linux_arm64)
committed=atlantis/terraform.lock.hcl
hashes() { grep -o '"[hz][1h]:[^"]*"' "$1" || true; }
hashes "$work/.terraform.lock.hcl" > "$work/registry-hashes"
if [ -f "$committed" ]; then hashes "$committed"; fi > "$work/committed-hashes"
if grep -q "^  version     = \"$version\"$" "$committed" 2>/dev/null &&
  ! grep -vxF -f "$work/committed-hashes" "$work/registry-hashes" >/dev/null; then
  echo "$committed holds every hash the registry gives for hashicorp/aws $version: unchanged"
else
  cp "$work/.terraform.lock.hcl" "$committed"
  echo "wrote $committed for hashicorp/aws $version: review the diff and commit it"
fi
