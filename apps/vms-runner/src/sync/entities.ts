/** The registry: every entity definition by name. */
import { organizations, districts, schools, classes } from './accounts';
import { affiliations } from './affiliations';
import { teachers, students, volunteers } from './contacts';
import { assertEntityName, type EntityName } from './dag';
import type { EntityDefinition } from './entity';
import { events, studentParticipations, volunteerParticipations } from './events';
import { history } from './history';
import { pathways, pathwayParticipants, pathwaySessions } from './pathways';

/** Every entity definition, keyed by entity name. */
export const ENTITIES: Readonly<Record<EntityName, EntityDefinition<any>>> = {
  organizations,
  districts,
  schools,
  classes,
  teachers,
  students,
  volunteers,
  affiliations,
  events,
  volunteer_participations: volunteerParticipations,
  student_participations: studentParticipations,
  history,
  pathways,
  pathway_sessions: pathwaySessions,
  pathway_participants: pathwayParticipants,
};

/** The definition of one entity; throws a validation error naming an unknown entity. */
export function entityDefinition(name: EntityName | string): EntityDefinition<unknown> {
  assertEntityName(name);
  return ENTITIES[name];
}
