#!/usr/bin/env node
// The `vms-runner` binary. Checks the Node version before loading anything else, so an old Node
// gets a clear message instead of a stack trace from a dependency.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `vms-runner needs Node.js 22 or later; this is ${process.version}.\n` +
      'Run `scripts/run.sh setup` from the repository root, then put "$HOME/.node24/bin" first on PATH.',
  );
  process.exit(2);
}
await import('../dist/cli.js');
