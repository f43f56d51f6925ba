import { sql, type Kysely } from 'kysely';
import { enableBranchIsolation, grantToApp } from './app-grants';

/*
 * Station releases, rings, rollouts, station health and per-branch feature flags (DESIGN §7).
 * Releases, rings and rollouts hold no patient data and span branches: global tables, whose
 * branch references are not named branch_id (that name marks a branch-isolated table). Health
 * reports hold no patient data either; their branch is the station's. Feature flags are
 * per branch under row-level security, so a branch's IT sets only its own.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE releases (
      id serial PRIMARY KEY,
      channel text NOT NULL CHECK (channel ~ '^[a-z][a-z0-9-]{0,31}$'),
      version text NOT NULL,
      notes text NOT NULL DEFAULT '',
      files jsonb NOT NULL,
      release_date timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz NOT NULL DEFAULT now(),
      published_by text NOT NULL,
      UNIQUE (channel, version)
    )`.execute(db);

  // Ordered per channel by position: a rollout at position p reaches every ring with position <= p.
  await sql`
    CREATE TABLE release_rings (
      id serial PRIMARY KEY,
      channel text NOT NULL,
      name text NOT NULL,
      position int NOT NULL,
      kind text NOT NULL CHECK (kind IN ('stations', 'wards', 'percent', 'everyone')),
      scope_branch_id int REFERENCES branches(id),
      station_ids uuid[] NOT NULL DEFAULT '{}',
      ward_ids int[] NOT NULL DEFAULT '{}',
      percent int CHECK (percent BETWEEN 0 AND 100),
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (channel, name),
      UNIQUE (channel, position)
    )`.execute(db);

  await sql`
    CREATE TABLE rollouts (
      id serial PRIMARY KEY,
      channel text NOT NULL,
      release_id int NOT NULL UNIQUE REFERENCES releases(id),
      baseline_release_id int REFERENCES releases(id),
      ring_position int NOT NULL,
      state text NOT NULL CHECK (state IN ('active', 'paused', 'halted', 'rolled_back', 'superseded')),
      max_error_ratio numeric NOT NULL DEFAULT 2,
      min_error_rate numeric NOT NULL DEFAULT 1,
      min_stations int NOT NULL DEFAULT 5,
      halt_reason text,
      started_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX rollouts_channel_started ON rollouts (channel, id DESC)`.execute(db);

  await sql`
    CREATE TABLE rollout_events (
      id bigserial PRIMARY KEY,
      rollout_id int NOT NULL REFERENCES rollouts(id),
      at timestamptz NOT NULL DEFAULT clock_timestamp(),
      kind text NOT NULL,
      detail jsonb NOT NULL DEFAULT '{}'
    )`.execute(db);
  await sql`CREATE INDEX rollout_events_rollout ON rollout_events (rollout_id, id)`.execute(db);

  await sql`
    CREATE TABLE station_health_reports (
      id bigserial PRIMARY KEY,
      station_id uuid NOT NULL REFERENCES stations(id),
      version text NOT NULL,
      reported_at timestamptz NOT NULL DEFAULT now(),
      uptime_seconds int NOT NULL CHECK (uptime_seconds >= 0),
      sync_failures int NOT NULL CHECK (sync_failures >= 0),
      crashes int NOT NULL CHECK (crashes >= 0),
      errors int NOT NULL CHECK (errors >= 0)
    )`.execute(db);
  await sql`CREATE INDEX station_health_version_at ON station_health_reports (version, reported_at)`.execute(db);

  await sql`
    CREATE TABLE feature_flags (
      branch_id int NOT NULL REFERENCES branches(id),
      key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_.-]{0,63}$'),
      enabled boolean NOT NULL,
      value jsonb,
      updated_at timestamptz NOT NULL DEFAULT now(),
      updated_by text NOT NULL,
      PRIMARY KEY (branch_id, key)
    )`.execute(db);
  await enableBranchIsolation(db, 'feature_flags');

  await grantToApp(db, 'SELECT, INSERT', ['releases', 'release_rings', 'rollout_events', 'station_health_reports']);
  await grantToApp(db, 'SELECT, INSERT, UPDATE', ['rollouts', 'feature_flags']);
  await grantToApp(
    db,
    'USAGE',
    ['releases_id_seq', 'release_rings_id_seq', 'rollouts_id_seq', 'rollout_events_id_seq', 'station_health_reports_id_seq'],
    'SEQUENCE',
  );
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
