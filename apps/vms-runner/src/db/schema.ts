/**
 * The VMS database schema as versioned migrations. Each entry moves the database from
 * `user_version = index` to `index + 1`; entries are append-only (never edit a shipped one).
 *
 * Tables follow the real VMS (VMS-DOMAIN.md §2): contacts use joined-table polymorphism
 * (`contact` + `volunteer` / `teacher` / `student`), schools are keyed by their Salesforce Id,
 * affiliations are keyed by the (contact, organization) pair. Every synced table carries
 * `row_hash` (a digest of the mapped Salesforce values) so a re-sync can tell "unchanged" from
 * "updated" without comparing column by column.
 */

/** One schema migration. */
export interface Migration {
  /** The `user_version` the database has after this migration. */
  readonly version: number;
  /** What the migration does, for logs. */
  readonly description: string;
  /** SQL run inside one transaction. */
  readonly sql: string;
}

const v1 = /* sql */ `
CREATE TABLE organization (
  id INTEGER PRIMARY KEY,
  salesforce_id TEXT UNIQUE,
  name TEXT NOT NULL DEFAULT '',
  type TEXT,
  description TEXT,
  volunteer_salesforce_id TEXT,
  billing_street TEXT,
  billing_city TEXT,
  billing_state TEXT,
  billing_postal_code TEXT,
  billing_country TEXT,
  last_activity_date TEXT,
  organization_alias TEXT,
  row_hash TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX organization_name ON organization(name COLLATE NOCASE);

CREATE TABLE district (
  id INTEGER PRIMARY KEY,
  salesforce_id TEXT UNIQUE,
  name TEXT NOT NULL,
  district_code TEXT,
  row_hash TEXT
);
CREATE INDEX district_name ON district(name COLLATE NOCASE);

CREATE TABLE school (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  district_id INTEGER REFERENCES district(id) ON DELETE SET NULL,
  salesforce_district_id TEXT,
  normalized_name TEXT,
  school_code TEXT,
  level TEXT,
  row_hash TEXT
);
CREATE INDEX school_name ON school(name COLLATE NOCASE);

CREATE TABLE class (
  id INTEGER PRIMARY KEY,
  salesforce_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  school_salesforce_id TEXT NOT NULL REFERENCES school(id) ON UPDATE CASCADE,
  class_year INTEGER,
  row_hash TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE contact (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('volunteer','teacher','student','contact')),
  salesforce_individual_id TEXT UNIQUE,
  salesforce_account_id TEXT,
  salutation TEXT,
  first_name TEXT NOT NULL,
  middle_name TEXT,
  last_name TEXT NOT NULL,
  suffix TEXT,
  description TEXT,
  age_group TEXT,
  education_level TEXT,
  birthdate TEXT,
  gender TEXT,
  race_ethnicity TEXT,
  do_not_call INTEGER NOT NULL DEFAULT 0,
  do_not_contact INTEGER NOT NULL DEFAULT 0,
  email_opt_out INTEGER NOT NULL DEFAULT 0,
  email_bounced_date TEXT,
  exclude_from_reports INTEGER NOT NULL DEFAULT 0,
  last_email_date TEXT,
  notes TEXT,
  row_hash TEXT
);
CREATE INDEX contact_names ON contact(last_name COLLATE NOCASE, first_name COLLATE NOCASE);

CREATE TABLE volunteer (
  id INTEGER PRIMARY KEY REFERENCES contact(id) ON DELETE CASCADE,
  organization_name TEXT,
  title TEXT,
  department TEXT,
  industry TEXT,
  education TEXT,
  local_status TEXT,
  local_status_last_updated TEXT,
  is_people_of_color INTEGER NOT NULL DEFAULT 0,
  status TEXT,
  first_volunteer_date TEXT,
  last_volunteer_date TEXT,
  last_non_internal_email_date TEXT,
  last_activity_date TEXT,
  times_volunteered INTEGER NOT NULL DEFAULT 0,
  additional_volunteer_count INTEGER NOT NULL DEFAULT 0,
  last_mailchimp_activity_date TEXT,
  mailchimp_history TEXT,
  admin_contacts TEXT,
  interests TEXT
);

CREATE TABLE teacher (
  id INTEGER PRIMARY KEY REFERENCES contact(id) ON DELETE CASCADE,
  department TEXT,
  school_id TEXT,
  status TEXT NOT NULL DEFAULT 'active',
  active INTEGER NOT NULL DEFAULT 1,
  connector_role TEXT,
  connector_active INTEGER,
  connector_start_date TEXT,
  connector_end_date TEXT,
  last_email_message TEXT,
  last_mailchimp_date TEXT,
  salesforce_contact_id TEXT UNIQUE,
  salesforce_school_id TEXT,
  import_source TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE student (
  id INTEGER PRIMARY KEY REFERENCES contact(id) ON DELETE CASCADE,
  active INTEGER NOT NULL DEFAULT 1,
  current_grade INTEGER CHECK (current_grade IS NULL OR current_grade BETWEEN 0 AND 12),
  legacy_grade TEXT,
  student_id TEXT,
  school_id TEXT REFERENCES school(id) ON DELETE SET NULL ON UPDATE CASCADE,
  class_salesforce_id TEXT REFERENCES class(salesforce_id) ON DELETE SET NULL,
  teacher_id INTEGER REFERENCES teacher(id) ON DELETE SET NULL,
  racial_ethnic TEXT,
  school_code TEXT,
  ell_language TEXT,
  gifted INTEGER,
  lunch_status TEXT
);

CREATE TABLE email (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('personal','professional')),
  "primary" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX email_contact ON email(contact_id);

CREATE TABLE phone (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('personal','professional')),
  "primary" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX phone_contact ON phone(contact_id);

CREATE TABLE address (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
  address_line1 TEXT,
  address_line2 TEXT,
  city TEXT,
  state TEXT,
  zip_code TEXT,
  country TEXT,
  type TEXT NOT NULL CHECK (type IN ('personal','professional')),
  "primary" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX address_contact ON address(contact_id);

CREATE TABLE skill (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE volunteer_skills (
  volunteer_id INTEGER NOT NULL REFERENCES volunteer(id) ON DELETE CASCADE,
  skill_id INTEGER NOT NULL REFERENCES skill(id) ON DELETE CASCADE,
  source TEXT,
  interest_level TEXT,
  PRIMARY KEY (volunteer_id, skill_id)
);

CREATE TABLE connector_data (
  volunteer_id INTEGER PRIMARY KEY REFERENCES volunteer(id) ON DELETE CASCADE,
  active_subscription TEXT NOT NULL DEFAULT 'NONE',
  active_subscription_name TEXT,
  role TEXT,
  signup_role TEXT,
  profile_link TEXT,
  affiliations TEXT,
  industry TEXT,
  user_auth_id TEXT UNIQUE,
  joining_date TEXT,
  last_login_datetime TEXT,
  last_update_date TEXT
);

CREATE TABLE volunteer_organization (
  volunteer_id INTEGER NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
  organization_id INTEGER NOT NULL REFERENCES organization(id) ON DELETE CASCADE,
  salesforce_id TEXT,
  salesforce_volunteer_id TEXT,
  salesforce_org_id TEXT,
  role TEXT,
  start_date TEXT,
  end_date TEXT,
  is_primary INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'Current',
  date_source TEXT,
  row_hash TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  PRIMARY KEY (volunteer_id, organization_id)
);
CREATE INDEX volunteer_organization_sf ON volunteer_organization(salesforce_id);
CREATE INDEX volunteer_organization_org ON volunteer_organization(organization_id);

CREATE TABLE event (
  id INTEGER PRIMARY KEY,
  salesforce_id TEXT UNIQUE,
  title TEXT NOT NULL,
  description TEXT,
  type TEXT NOT NULL DEFAULT 'classroom_activity',
  format TEXT NOT NULL DEFAULT 'in_person' CHECK (format IN ('in_person','virtual')),
  start_date TEXT NOT NULL,
  end_date TEXT,
  duration INTEGER,
  status TEXT NOT NULL DEFAULT 'Draft',
  cancellation_reason TEXT,
  original_status_string TEXT,
  location TEXT,
  school TEXT REFERENCES school(id) ON DELETE SET NULL ON UPDATE CASCADE,
  district_partner TEXT,
  volunteers_needed INTEGER,
  participant_count INTEGER,
  registered_count INTEGER,
  attended_count INTEGER,
  available_slots INTEGER,
  scheduled_participants_count INTEGER,
  total_requested_volunteer_jobs INTEGER,
  additional_information TEXT,
  session_id TEXT,
  session_host TEXT DEFAULT 'PREPKC',
  series TEXT,
  registration_link TEXT,
  educators TEXT,
  educator_ids TEXT,
  professionals TEXT,
  professional_ids TEXT,
  import_source TEXT,
  row_hash TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX event_title_start ON event(title COLLATE NOCASE, start_date);

CREATE TABLE event_districts (
  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
  district_id INTEGER NOT NULL REFERENCES district(id) ON DELETE CASCADE,
  PRIMARY KEY (event_id, district_id)
);

CREATE TABLE event_skills (
  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
  skill_id INTEGER NOT NULL REFERENCES skill(id) ON DELETE CASCADE,
  PRIMARY KEY (event_id, skill_id)
);

CREATE TABLE event_volunteers (
  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
  volunteer_id INTEGER NOT NULL REFERENCES volunteer(id) ON DELETE CASCADE,
  PRIMARY KEY (event_id, volunteer_id)
);

CREATE TABLE event_teacher (
  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
  teacher_id INTEGER NOT NULL REFERENCES teacher(id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'registered',
  is_simulcast INTEGER NOT NULL DEFAULT 0,
  attendance_confirmed_at TEXT,
  notes TEXT,
  PRIMARY KEY (event_id, teacher_id)
);

CREATE TABLE event_participation (
  id INTEGER PRIMARY KEY,
  volunteer_id INTEGER NOT NULL REFERENCES volunteer(id) ON DELETE CASCADE,
  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  delivery_hours REAL,
  salesforce_id TEXT UNIQUE,
  age_group TEXT,
  email TEXT,
  title TEXT,
  participant_type TEXT NOT NULL DEFAULT 'Volunteer',
  contact TEXT,
  row_hash TEXT
);
CREATE INDEX event_participation_event ON event_participation(event_id);
CREATE INDEX event_participation_volunteer ON event_participation(volunteer_id);

CREATE TABLE event_student_participation (
  id INTEGER PRIMARY KEY,
  salesforce_id TEXT UNIQUE,
  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
  student_id INTEGER NOT NULL REFERENCES student(id) ON DELETE CASCADE,
  status TEXT,
  delivery_hours REAL,
  age_group TEXT,
  row_hash TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX event_student_participation_pair ON event_student_participation(event_id, student_id);

CREATE TABLE history (
  id INTEGER PRIMARY KEY,
  event_id INTEGER REFERENCES event(id) ON DELETE SET NULL,
  contact_id INTEGER NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
  action TEXT,
  summary TEXT,
  description TEXT,
  activity_type TEXT,
  activity_date TEXT NOT NULL,
  activity_status TEXT,
  completed_at TEXT,
  last_modified_at TEXT,
  is_deleted INTEGER NOT NULL DEFAULT 0,
  email_message_id TEXT,
  salesforce_id TEXT UNIQUE,
  history_type TEXT NOT NULL DEFAULT 'note',
  additional_metadata TEXT,
  notes TEXT,
  row_hash TEXT
);
CREATE INDEX history_contact ON history(contact_id);

CREATE TABLE pathway (
  id INTEGER PRIMARY KEY,
  salesforce_id TEXT UNIQUE,
  name TEXT NOT NULL,
  row_hash TEXT
);

CREATE TABLE pathway_events (
  pathway_id INTEGER NOT NULL REFERENCES pathway(id) ON DELETE CASCADE,
  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
  salesforce_id TEXT UNIQUE,
  row_hash TEXT,
  PRIMARY KEY (pathway_id, event_id)
);

CREATE TABLE pathway_contacts (
  pathway_id INTEGER NOT NULL REFERENCES pathway(id) ON DELETE CASCADE,
  contact_id INTEGER NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
  salesforce_id TEXT UNIQUE,
  row_hash TEXT,
  PRIMARY KEY (pathway_id, contact_id)
);

CREATE TABLE google_sheets (
  id INTEGER PRIMARY KEY,
  academic_year TEXT NOT NULL,
  purpose TEXT NOT NULL CHECK (purpose IN ('district_reports','virtual_sessions')),
  sheet_id TEXT NOT NULL,
  sheet_name TEXT,
  created_by TEXT
);
CREATE UNIQUE INDEX google_sheets_one_virtual_per_year ON google_sheets(academic_year)
  WHERE purpose = 'virtual_sessions';

CREATE TABLE virtual_session_report_cache (
  id INTEGER PRIMARY KEY,
  virtual_year TEXT NOT NULL,
  date_from TEXT,
  date_to TEXT,
  session_data TEXT,
  district_summaries TEXT,
  overall_summary TEXT,
  filter_options TEXT,
  last_updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE virtual_session_district_cache (
  id INTEGER PRIMARY KEY,
  district_name TEXT NOT NULL,
  virtual_year TEXT NOT NULL,
  date_from TEXT,
  date_to TEXT,
  session_data TEXT,
  monthly_stats TEXT,
  school_breakdown TEXT,
  teacher_breakdown TEXT,
  summary_stats TEXT,
  last_updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

-- Sync bookkeeping ------------------------------------------------------------------------------

CREATE TABLE sync_logs (
  id INTEGER PRIMARY KEY,
  sync_type TEXT NOT NULL,
  run_id TEXT,
  started_at TEXT NOT NULL,
  completed_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running','success','partial','failed')),
  records_processed INTEGER NOT NULL DEFAULT 0,
  records_created INTEGER NOT NULL DEFAULT 0,
  records_updated INTEGER NOT NULL DEFAULT 0,
  records_unchanged INTEGER NOT NULL DEFAULT 0,
  records_skipped INTEGER NOT NULL DEFAULT 0,
  records_failed INTEGER NOT NULL DEFAULT 0,
  records_queued INTEGER NOT NULL DEFAULT 0,
  records_resolved INTEGER NOT NULL DEFAULT 0,
  error_message TEXT,
  error_details TEXT,
  watermark_modstamp TEXT,
  watermark_id TEXT,
  recovery_buffer_hours REAL NOT NULL DEFAULT 0,
  is_delta_sync INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sync_logs_type ON sync_logs(sync_type, id);

-- The watermark per entity: the (SystemModstamp, Id) of the last record committed in cursor
-- order. Written in the same transaction as the chunk it covers.
CREATE TABLE sync_watermarks (
  sync_type TEXT PRIMARY KEY,
  modstamp TEXT NOT NULL,
  last_id TEXT NOT NULL,
  recovery INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  run_id TEXT
);

CREATE TABLE row_errors (
  id INTEGER PRIMARY KEY,
  sync_log_id INTEGER REFERENCES sync_logs(id) ON DELETE CASCADE,
  run_id TEXT,
  sync_type TEXT NOT NULL,
  salesforce_id TEXT,
  record_name TEXT,
  code TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('error','warning')),
  field TEXT,
  message TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX row_errors_log ON row_errors(sync_log_id);
CREATE INDEX row_errors_sf ON row_errors(salesforce_id);

CREATE TABLE pending_imports (
  sync_type TEXT NOT NULL,
  salesforce_id TEXT NOT NULL,
  record TEXT NOT NULL,
  missing TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  retry_count INTEGER NOT NULL DEFAULT 0,
  last_retry_at TEXT,
  resolved_at TEXT,
  error_reason TEXT,
  PRIMARY KEY (sync_type, salesforce_id)
);
CREATE INDEX pending_imports_open ON pending_imports(sync_type) WHERE resolved_at IS NULL;

CREATE TABLE data_quality_flag (
  id INTEGER PRIMARY KEY,
  entity_type TEXT NOT NULL,
  entity_id INTEGER,
  entity_sf_id TEXT NOT NULL DEFAULT '',
  issue_type TEXT NOT NULL,
  details TEXT,
  severity TEXT NOT NULL CHECK (severity IN ('error','warning','info')),
  source TEXT NOT NULL DEFAULT 'live_import',
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','dismissed','fixed_in_sf','auto_fixed')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  resolved_at TEXT,
  UNIQUE (entity_type, entity_sf_id, issue_type)
);
`;

/** Every migration, oldest first. `migrations[i].version === i + 1`. */
export const migrations: readonly Migration[] = [
  { version: 1, description: 'VMS schema: domain tables, sync log, watermarks, row errors, pending queue', sql: v1 },
];

/** The schema version this build of the runner writes. */
export const SCHEMA_VERSION = migrations.length;
