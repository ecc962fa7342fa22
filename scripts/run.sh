#!/usr/bin/env bash
# One entry point for a fresh machine: gets Node 24 and pnpm 10 into $HOME/.node24 when the
# machine's node is older than 22 (changing nothing else), installs the workspace, then runs:
#   scripts/run.sh demo [args]   build and run `vms-runner demo` (the main job)
#   scripts/run.sh test          build, typecheck and run every test suite
#   scripts/run.sh bench [args]  run the benchmark suite
#   scripts/run.sh setup         only set up
set -euo pipefail
cd "$(dirname "$0")/.."

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if ! command -v node >/dev/null 2>&1 || [ "$(major node)" -lt 22 ]; then
  if [ ! -x "$HOME/.node24/bin/node" ] || [ "$(major "$HOME/.node24/bin/node")" -lt 22 ]; then
    echo "› installing Node 24 into \$HOME/.node24 (system node is $(node --version 2>/dev/null || echo missing))" >&2
    npm i -g --prefix "$HOME/.node24" node@24 >&2
  fi
  export PATH="$HOME/.node24/bin:$PATH"
  # Native addons (better-sqlite3) build against this Node's own headers, shipped in the npm
  # package, so node-gyp never tries to download them.
  for headers in "$HOME"/.node24/lib/node_modules/node/node_modules/node-*; do
    if [ -d "$headers/include/node" ]; then export npm_config_nodedir="$headers"; fi
  done
fi
if ! pnpm --version 2>/dev/null | grep -q '^10\.'; then
  if [ ! -x "$HOME/.node24/bin/pnpm" ]; then
    echo "› installing pnpm 10 into \$HOME/.node24" >&2
    npm i -g --prefix "$HOME/.node24" pnpm@10.34.9 >&2
  fi
  export PATH="$HOME/.node24/bin:$PATH"
fi
echo "› node $(node --version), pnpm $(pnpm --version)" >&2
pnpm install --frozen-lockfile >&2

cmd="${1:-setup}"
[ $# -gt 0 ] && shift
case "$cmd" in
  setup) ;;
  test) pnpm test ;;
  demo) pnpm turbo run build --filter=vms-runner... >&2 && node apps/vms-runner/bin/vms-runner.js demo "$@" ;;
  bench) pnpm turbo run build >&2 && pnpm bench "$@" ;;
  *) echo "unknown command '$cmd' (expected demo, test, bench or setup)" >&2; exit 2 ;;
esac
