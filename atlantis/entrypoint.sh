#!/bin/sh
# Starts the opsdata Atlantis server (atlantis/Dockerfile): writes the AWS config with one profile per
# environment and stage (the roles opsdata-atlantis-plan and opsdata-atlantis-apply, assumed with the
# environment's external id from the server's own credentials), then runs Atlantis with the flags
# of atlantis/server-flags.yaml. OPSDATA_CREDENTIAL_SOURCE: EcsContainer (default), Ec2InstanceMetadata
# or Environment.
set -eu
mkdir -p "$HOME/.aws"
node /opt/opsdata/opsdata-guard.js aws-config --credential-source "${OPSDATA_CREDENTIAL_SOURCE:-EcsContainer}" > "$HOME/.aws/config"
exec docker-entrypoint.sh server --config /etc/atlantis/server-flags.yaml "$@"
