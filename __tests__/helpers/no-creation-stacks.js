/**
 * Jest's stand-in for cdktf's tokens/private/stack-trace.js: the same stub the synth bundle uses
 * (scripts/run-ts.js, "cdktf-no-token-creation-stacks"), so tests synthesize as `npm run synth` does
 * and skip formatting a full stack trace per token. The synthesized JSON is the same either way.
 */
"use strict";
exports.captureStackTrace = () => [];
// cdktn (CDK Terrain, docs/cdk-terrain.md) names the same function captureCreationStack.
exports.captureCreationStack = () => [];
