#!/usr/bin/env bash
# Lint one package as it will be published: `pnpm pack` it (pnpm applies `publishConfig`, which
# drops the dev-only `@vms/source` export condition), then run publint and
# are-the-types-wrong on that tarball. (`attw --pack` would run `npm pack`, which ignores
# `publishConfig` and so checks a manifest nobody installs.)
# Usage, from a package directory (its `lint` script): bash ../../scripts/check-package.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/node_modules/.bin"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
pnpm pack --pack-destination "$out" >/dev/null
tarball="$(ls "$out"/*.tgz)"
# The published manifest must not point at TypeScript source.
if tar -xOzf "$tarball" package/package.json | grep -q '@vms/source'; then
  echo "error: the packed package.json still has the @vms/source condition" >&2
  exit 1
fi
"$bin/publint" run "$tarball" --strict
"$bin/attw" "$tarball" --profile node16 --format table-flipped
