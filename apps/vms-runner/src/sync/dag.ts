/**
 * The sync entities and their dependency order, as data. Each name is also the entity's key in
 * `sync_logs`, `sync_watermarks`, `row_errors` and `pending_imports`: one constant for reading
 * and writing, so a watermark can never be written under one key and read under another
 * (VMS-DOMAIN.md §6.3).
 */
import { VmsError, VmsErrorCode } from '../db/errors';

/** Every entity the Salesforce sync imports, in a valid (topological) order. */
export const ENTITY_NAMES = [
  'organizations',
  'districts',
  'schools',
  'classes',
  'teachers',
  'students',
  'volunteers',
  'affiliations',
  'events',
  'volunteer_participations',
  'student_participations',
  'history',
  'pathways',
  'pathway_sessions',
  'pathway_participants',
] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

/**
 * What each entity needs imported before it. Follows the real VMS's declared dependencies
 * (`IMPORT_DEPENDENCIES`) plus the ones its code needs in practice: participations need their
 * volunteers (the TD-057 ordering race), affiliations need students to recognise (and skip)
 * student contacts, classes need schools.
 */
export const ENTITY_DEPENDENCIES: Readonly<Record<EntityName, readonly EntityName[]>> = {
  organizations: [],
  districts: [],
  schools: ['districts'],
  classes: ['schools'],
  teachers: ['schools'],
  students: ['schools', 'classes', 'teachers'],
  volunteers: ['organizations'],
  affiliations: ['organizations', 'schools', 'districts', 'volunteers', 'teachers', 'students'],
  events: ['organizations', 'schools', 'districts', 'teachers'],
  volunteer_participations: ['events', 'volunteers'],
  student_participations: ['events', 'students'],
  history: ['events', 'volunteers', 'teachers', 'students'],
  pathways: [],
  pathway_sessions: ['pathways', 'events'],
  pathway_participants: ['pathways', 'volunteers', 'teachers', 'students'],
};

/** True when `name` is an {@link EntityName}. */
export function isEntityName(name: unknown): name is EntityName {
  return typeof name === 'string' && (ENTITY_NAMES as readonly string[]).includes(name);
}

/** Throws a validation error naming the bad entity when `name` is not an {@link EntityName}. */
export function assertEntityName(name: unknown): asserts name is EntityName {
  if (!isEntityName(name)) {
    throw new VmsError(
      VmsErrorCode.UnknownEntity,
      `Expected an entity name (${ENTITY_NAMES.join(', ')}), got \`${String(name)}\``,
      { category: 'validation' },
    );
  }
}

/**
 * The entities grouped in waves: every entity of a wave depends only on earlier waves, so the
 * entities of one wave can run in parallel. With `only`, the subset plus nothing else (its
 * dependencies are assumed already synced).
 */
export function entityWaves(only: readonly EntityName[] = ENTITY_NAMES): EntityName[][] {
  const wanted = new Set(only);
  const level = new Map<EntityName, number>();
  for (const name of ENTITY_NAMES) {
    const deps = ENTITY_DEPENDENCIES[name].filter((d) => wanted.has(d));
    level.set(name, deps.length === 0 ? 0 : Math.max(...deps.map((d) => (level.get(d) ?? 0) + 1)));
  }
  const waves: EntityName[][] = [];
  for (const name of ENTITY_NAMES) {
    if (!wanted.has(name)) continue;
    const l = level.get(name) ?? 0;
    (waves[l] ??= []).push(name);
  }
  return waves.filter((w) => w.length > 0);
}

/** Every entity that (transitively) depends on `name`. */
export function dependentsOf(name: EntityName): EntityName[] {
  const out = new Set<EntityName>();
  const visit = (n: EntityName): void => {
    for (const candidate of ENTITY_NAMES) {
      if (ENTITY_DEPENDENCIES[candidate].includes(n) && !out.has(candidate)) {
        out.add(candidate);
        visit(candidate);
      }
    }
  };
  visit(name);
  return ENTITY_NAMES.filter((n) => out.has(n));
}
