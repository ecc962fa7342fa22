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
# Every package the published code imports must be a dependency or peer dependency (or a Node
# built-in): a missing one works in the workspace (hoisting) and breaks for users.
mkdir "$out/unpacked" && tar -xzf "$tarball" -C "$out/unpacked"
node --input-type=module - "$out/unpacked/package" "$root" <<'NODE'
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
const [dir, root] = process.argv.slice(2);
// TypeScript's pre-processor lists import/export/require/import() specifiers without being
// fooled by strings or comments.
const ts = createRequire(join(root, 'package.json'))('typescript');
const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const declared = new Set([manifest.name, ...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
const builtins = new Set(builtinModules);
const missing = new Set();
const files = readdirSync(join(dir, 'dist'), { recursive: true }).filter((f) => /\.(c?js|d\.c?ts)$/.test(f));
for (const file of files) {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(dir, 'dist', file), 'utf8'), true, true);
  for (const { fileName: spec } of importedFiles) {
    if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0])) continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (!declared.has(name)) missing.add(`${name} (imported in dist/${file})`);
  }
}
if (missing.size > 0) {
  console.error(`error: ${manifest.name} imports packages it does not declare in dependencies or peerDependencies:\n  ${[...missing].join('\n  ')}`);
  process.exit(1);
}
console.log(`${manifest.name}: every import in dist/ is declared (${files.length} files)`);
NODE
"$bin/publint" run "$tarball" --strict
"$bin/attw" "$tarball" --profile node16 --format table-flipped
