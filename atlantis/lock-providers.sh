#!/bin/sh
# Writes atlantis/terraform.lock.hcl: the hashes of hashicorp/aws at the version the stacks pin
# (@cdktf/provider-aws's provider version) for the server's platforms. Run it on a machine that can
# reach registry.terraform.io (terraform verifies the registry's signature), review the diff, commit.
# The image's provider mirror is checked against it (atlantis/Dockerfile), and init on the server reads
# it with -lockfile=readonly (atlantis/server.yaml).
set -eu
cd "$(dirname "$0")/.."
version="$(node -p 'require("@cdktf/provider-aws/package.json").cdktf.provider.version')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '{"terraform":{"required_providers":{"aws":{"source":"hashicorp/aws","version":"%s"}}}}\n' "$version" > "$work/versions.tf.json"
(cd "$work" && CHECKPOINT_DISABLE=1 terraform providers lock -platform=linux_amd64 -platform=linux_arm64)
cp "$work/.terraform.lock.hcl" atlantis/terraform.lock.hcl
echo "wrote atlantis/terraform.lock.hcl for hashicorp/aws $version"
