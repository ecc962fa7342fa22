/**
 * How many records the generator makes per kind at a scale. Scale 1 follows the volumes of the
 * real VMS's plan (~25k records); `prod` follows the production figures of VMS-DOMAIN.md §5
 * (~700k records, ~354k affiliations); a number multiplies scale 1 (0.1 for small tests, 10 and
 * 100 for growth tests).
 */
import { invalidOption } from '../db/errors';

/** Generated kinds: the synced entities plus the records the SOQL filters leave out. */
export interface Volumes {
  districts: number;
  schools: number;
  organizations: number;
  /** Household accounts: in Salesforce, never synced (the organizations query excludes them). */
  households: number;
  classes: number;
  teachers: number;
  students: number;
  volunteers: number;
  affiliations: number;
  events: number;
  /** Draft and Connector sessions: in Salesforce, never synced. */
  excludedEvents: number;
  volunteer_participations: number;
  student_participations: number;
  history: number;
  pathways: number;
  pathway_sessions: number;
  pathway_participants: number;
}

/** A generator scale: a multiple of scale 1, or `'prod'`. */
export type Scale = number | 'prod';

const SCALE_1: Volumes = {
  districts: 20,
  schools: 480,
  organizations: 2000,
  households: 200,
  classes: 300,
  teachers: 1500,
  students: 5000,
  volunteers: 3000,
  affiliations: 3500,
  events: 1000,
  excludedEvents: 40,
  volunteer_participations: 2500,
  student_participations: 3000,
  history: 3000,
  pathways: 40,
  pathway_sessions: 200,
  pathway_participants: 200,
};

const PROD: Volumes = {
  districts: 30,
  schools: 600,
  organizations: 8000,
  households: 2000,
  classes: 2000,
  teachers: 9700,
  students: 160000,
  volunteers: 12600,
  affiliations: 354000,
  events: 4600,
  excludedEvents: 200,
  volunteer_participations: 20200,
  student_participations: 49000,
  history: 75000,
  pathways: 60,
  pathway_sessions: 600,
  pathway_participants: 1000,
};

/** The record counts of a scale. Every kind keeps at least one record (two districts). */
export function volumesFor(scale: Scale): Volumes {
  if (scale === 'prod') return { ...PROD };
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    invalidOption('scale', "a number > 0 or 'prod'", scale);
  }
  const out = {} as Volumes;
  for (const [key, value] of Object.entries(SCALE_1) as [keyof Volumes, number][]) {
    out[key] = Math.max(key === 'districts' ? 2 : 1, Math.round(value * scale));
  }
  return out;
}

/** Total records of a set of volumes. */
export function totalRecords(volumes: Volumes): number {
  return Object.values(volumes).reduce((a, b) => a + b, 0);
}
