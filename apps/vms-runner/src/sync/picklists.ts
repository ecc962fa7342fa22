/**
 * Salesforce picklist values → VMS enums, following the real VMS's maps (VMS-DOMAIN.md §1).
 * Each mapper returns `{ value }` or, for a value it does not know, `{ value: fallback, unknown }`
 * so the caller records an INVALID_ENUM warning instead of silently guessing.
 */

/** The result of mapping one picklist value. */
export interface PicklistResult<T> {
  readonly value: T;
  /** True when a present value was not recognised (the fallback was used). */
  readonly unknown: boolean;
}

const known = <T>(value: T): PicklistResult<T> => ({ value, unknown: false });
const unknown = <T>(value: T): PicklistResult<T> => ({ value, unknown: true });

const key = (value: string): string => value.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** Gender values of the VMS (`GenderEnum`). */
export const GENDERS = ['male', 'female', 'non_binary', 'genderfluid', 'agender', 'other', 'prefer_not_to_say'] as const;
export type Gender = (typeof GENDERS)[number];

/** `Gender__c` → gender; `NA` → prefer_not_to_say; an unknown value is dropped (null). */
export function mapGender(value: string | null): PicklistResult<Gender | null> {
  if (value === null) return known(null);
  const k = key(value);
  if (k === 'na' || k === 'n/a' || k === 'prefer_not_to_say' || k === 'decline_to_state') return known('prefer_not_to_say');
  return (GENDERS as readonly string[]).includes(k) ? known(k as Gender) : unknown(null);
}

const RACE: Record<string, string> = {
  'black/african american': 'black',
  'black': 'black',
  'hispanic american/latino': 'hispanic_american',
  'hispanic/latino': 'hispanic_american',
  'asian american/pacific islander': 'asian_pacific_islander',
  'asian': 'asian',
  'white': 'white',
  'native american/alaska native': 'native_american',
  'american indian/alaska native': 'native_american',
  'bi-racial/multi-racial/multicultural': 'bi_multi_racial',
  'multi-racial': 'bi_multi_racial',
  'other': 'other',
  'prefer not to say': 'prefer_not_to_say',
};

/** `Racial_Ethnic_Background__c` → race_ethnicity; unmatched values become `unknown`. */
export function mapRaceEthnicity(value: string | null): PicklistResult<string | null> {
  if (value === null) return known(null);
  const mapped = RACE[value.trim().toLowerCase()];
  return mapped ? known(mapped) : unknown('unknown');
}

const EDUCATION: Record<string, string> = {
  'HIGH SCHOOL DIPLOMA OR GED': 'HIGH_SCHOOL',
  'HIGH SCHOOL': 'HIGH_SCHOOL',
  'SOME COLLEGE': 'SOME_COLLEGE',
  'ASSOCIATES DEGREE': 'ASSOCIATES',
  "ASSOCIATE'S DEGREE": 'ASSOCIATES',
  'BACHELORS DEGREE': 'BACHELORS',
  "BACHELOR'S DEGREE": 'BACHELORS',
  'MASTERS DEGREE': 'MASTERS',
  "MASTER'S DEGREE": 'MASTERS',
  'DOCTORATE': 'DOCTORATE',
  'ADVANCED PROFESSIONAL DEGREE': 'PROFESSIONAL',
};

/** `Highest_Level_of_Educational__c` → education; unmatched values become `UNKNOWN`. */
export function mapEducation(value: string | null): PicklistResult<string | null> {
  if (value === null) return known(null);
  const mapped = EDUCATION[value.trim().toUpperCase()];
  return mapped ? known(mapped) : unknown('UNKNOWN');
}

const SESSION_TYPES: Record<string, string> = {
  'career speaker': 'career_speaker',
  'ignite': 'ignite',
  'dia': 'dia',
  'dia - classroom speaker': 'dia_classroom_speaker',
  'dia - other': 'dia',
  'workplace visit': 'workplace_visit',
  'pathway workplace visits': 'pathway_workplace_visits',
  'career fair': 'career_fair',
  'classroom activity': 'classroom_activity',
  'classroom speaker': 'classroom_speaker',
  'mentoring': 'mentoring',
  'job shadow': 'job_shadow',
  'historical, not yet updated': 'historical',
  'virtual session': 'virtual_session',
  'connector session': 'connector_session',
  'campus visit': 'campus_visit',
  'pathway campus visits': 'pathway_campus_visits',
  'college options': 'college_options',
  'college application fair': 'college_application_fair',
  'internship': 'internship',
  'career jumping': 'career_jumping',
  'math relays': 'math_relays',
  'advanced math relays': 'advanced_math_relays',
  'client connected project': 'client_connected_project',
  'volunteer orientation': 'volunteer_orientation',
  'volunteer engagement': 'volunteer_engagement',
  'fifth grade cte': 'fifth_grade_cte',
  'bfi': 'bfi',
  'p2t': 'p2t',
  'p2gd': 'p2gd',
  'sla': 'sla',
  'healthstart': 'healthstart',
  'in person': 'in_person',
  'in-person': 'in_person',
};

/** `Session_Type__c` → event type; unknown labels become `classroom_activity` (as in the VMS). */
export function mapSessionType(value: string | null): PicklistResult<string> {
  if (value === null) return known('classroom_activity');
  const mapped = SESSION_TYPES[value.trim().toLowerCase()];
  return mapped ? known(mapped) : unknown('classroom_activity');
}

/** `Format__c` → `virtual` or `in_person` (the default). */
export function mapEventFormat(value: string | null): 'virtual' | 'in_person' {
  return value !== null && value.trim().toLowerCase() === 'virtual' ? 'virtual' : 'in_person';
}

/** `Cancellation_Reason__c`: only the weather reason is mapped, as in the VMS. */
export function mapCancellationReason(value: string | null): string | null {
  return value !== null && value.trim() === 'Inclement Weather Cancellation' ? 'WEATHER' : null;
}

/** `npe5__Status__c` normalised: former/past → Past, current → Current, pending → Pending. */
export function mapAffiliationStatus(value: string | null): string {
  if (value === null) return 'Current';
  const k = value.trim().toLowerCase();
  if (k === 'former' || k === 'past') return 'Past';
  if (k === 'current') return 'Current';
  if (k === 'pending') return 'Pending';
  return value.trim();
}

/**
 * Event skills from the three skills fields: split on `;`/`,`, prefixes rewritten
 * (`PWY-` → `Pathway: `, `Skills-` → `Skill: `, `CCE-` → `Career/College: `,
 * `CSCs-` → `Core Skill: `, `ACT-` → `Activity: `), de-duplicated, sorted.
 */
export function parseEventSkills(...values: (string | null)[]): string[] {
  const prefixes: [string, string][] = [
    ['PWY-', 'Pathway: '],
    ['Skills-', 'Skill: '],
    ['CCE-', 'Career/College: '],
    ['CSCs-', 'Core Skill: '],
    ['ACT-', 'Activity: '],
  ];
  const out = new Set<string>();
  for (const value of values) {
    if (value === null) continue;
    for (const raw of value.split(/[;,]/)) {
      let skill = raw.trim();
      if (!skill) continue;
      for (const [from, to] of prefixes) {
        if (skill.startsWith(from)) {
          skill = to + skill.slice(from.length).trim();
          break;
        }
      }
      out.add(skill);
    }
  }
  return [...out].sort();
}

/**
 * Volunteer skills: `Volunteer_Skills_Text__c` split on `;` and `Volunteer_Skills__c` split on
 * `,`, each `strip().lower().capitalize()`d, de-duplicated, sorted.
 */
export function parseVolunteerSkills(text: string | null, list: string | null): string[] {
  const out = new Set<string>();
  const add = (raw: string): void => {
    const s = raw.trim().toLowerCase();
    if (s) out.add(s.charAt(0).toUpperCase() + s.slice(1));
  };
  text?.split(';').forEach(add);
  list?.split(',').forEach(add);
  return [...out].sort();
}

/** Participation `Delivery_Hours__c`: a value <= 0 or not a number becomes null. */
export function deliveryHours(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}
