import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * What `changeset version` does to this repository's real manifests and real
 * `.changeset/config.json`, in a throwaway git repo: a core release must not force plugin majors,
 * and private packages are never versioned.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const changeset = join(root, 'node_modules', '.bin', 'changeset');
const PLUGINS = ['@vms/flow-store-sqlite', '@vms/flow-salesforce', '@vms/flow-sheets', '@vms/flow-alerts'];
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  peerDependencies?: Record<string, string>;
}

function manifestPaths(): string[] {
  const paths = ['package.json', 'pnpm-workspace.yaml', '.changeset/config.json', 'bench/package.json'];
  for (const group of ['packages', 'apps', 'examples']) {
    for (const name of readdirSync(join(root, group))) {
      if (existsSync(join(root, group, name, 'package.json'))) paths.push(`${group}/${name}/package.json`);
    }
  }
  return paths;
}

/** Copies the manifests into a fresh git repo, optionally sets core's version, adds one changeset, runs `changeset version`. */
function versionAfter(bump: 'patch' | 'minor' | 'major', coreVersion?: string): Map<string, Manifest> {
  const dir = mkdtempSync(join(tmpdir(), 'vms-release-'));
  dirs.push(dir);
  for (const path of manifestPaths()) cpSync(join(root, path), join(dir, path));
  if (coreVersion) {
    const file = join(dir, 'packages/core/package.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), version: coreVersion }, null, 2));
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.email=ci@example.invalid', '-c', 'user.name=ci', 'commit', '-qm', 'init');
  writeFileSync(join(dir, '.changeset/core-change.md'), `---\n'@vms/flow-core': ${bump}\n---\n\nA change to core.\n`);
  execFileSync(changeset, ['version'], { cwd: dir, stdio: 'pipe' });
  const out = new Map<string, Manifest>();
  for (const path of manifestPaths().filter((p) => p.endsWith('package.json') && p !== 'package.json')) {
    const manifest = JSON.parse(readFileSync(join(dir, path), 'utf8')) as Manifest;
    out.set(manifest.name, manifest);
  }
  return out;
}

/** `x.y.z` bumped the semver way. */
function inc(version: string | undefined, bump: 'patch' | 'minor' | 'major'): string {
  const [major = 0, minor = 0, patch = 0] = (version ?? '').split('.').map(Number);
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

function versionsOf(manifests: Map<string, Manifest>, names: string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((n) => [n, manifests.get(n)?.version]));
}

const before = new Map(
  manifestPaths()
    .filter((p) => p.endsWith('package.json') && p !== 'package.json')
    .map((p) => JSON.parse(readFileSync(join(root, p), 'utf8')) as Manifest)
    .map((m) => [m.name, m]),
);
const privates = [...before.values()].filter((m) => m.private).map((m) => m.name);

describe('changesets release plan (real config, real manifests)', () => {
  it('config: access public, private packages ignored, peer dependents bumped only when out of range', () => {
    const config = JSON.parse(readFileSync(join(root, '.changeset/config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.access).toBe('public');
    expect(config.___experimentalUnsafeOptions_WILL_CHANGE_IN_PATCH).toEqual({ onlyUpdatePeerDependentsWhenOutOfRange: true });
    expect(privates).toEqual(expect.arrayContaining(['vms-runner', '@vms/test-utils', '@vms/bench', '@vms/example-hello-flow']));
    for (const plugin of PLUGINS) {
      expect(before.get(plugin)?.private, plugin).toBeUndefined();
      expect(before.get(plugin)?.peerDependencies?.['@vms/flow-core'], plugin).toBe('workspace:^');
    }
  });

  it('a core patch releases core only', () => {
    const after = versionAfter('patch');
    expect(after.get('@vms/flow-core')?.version).toBe(inc(before.get('@vms/flow-core')?.version, 'patch'));
    expect(versionsOf(after, PLUGINS)).toEqual(versionsOf(before, PLUGINS));
    expect(versionsOf(after, privates)).toEqual(versionsOf(before, privates));
  });

  it('a 0.x core minor (outside the plugins\' ^0.x peer range) gives plugins a patch, not a major', () => {
    const after = versionAfter('minor', '0.1.0');
    expect(after.get('@vms/flow-core')?.version).toBe('0.2.0');
    for (const plugin of PLUGINS) expect(after.get(plugin)?.version, plugin).toBe(inc(before.get(plugin)?.version, 'patch'));
    expect(versionsOf(after, privates)).toEqual(versionsOf(before, privates));
  });

  it('a core major gives plugins a patch (their published peer range moves), not a major', () => {
    const after = versionAfter('major', '1.2.3');
    expect(after.get('@vms/flow-core')?.version).toBe('2.0.0');
    for (const plugin of PLUGINS) expect(after.get(plugin)?.version, plugin).toBe(inc(before.get(plugin)?.version, 'patch'));
  });

  it('from 1.0, a core minor inside the plugins\' ^1.0.0 peer range leaves the plugins alone', () => {
    const after = versionAfter('minor', '1.0.0');
    expect(after.get('@vms/flow-core')?.version).toBe('1.1.0');
    expect(versionsOf(after, PLUGINS)).toEqual(versionsOf(before, PLUGINS));
    for (const plugin of PLUGINS) expect(after.get(plugin)?.peerDependencies?.['@vms/flow-core'], plugin).toBe('workspace:^');
  });
});
