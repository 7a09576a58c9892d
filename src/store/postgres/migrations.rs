//! Versioned SQL migrations, applied in order by [`migrate`](super::migrate).
//!
//! A migration, once released, never changes: a schema change is a new entry. Each
//! runs in one transaction together with its row in `schema_migrations`.

pub struct Migration {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "records as JSONB, id index, events partitioned by insert time",
        sql: r#"
CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE profiles (
    tenant  text NOT NULL,
    context text NOT NULL,
    id      text COLLATE "C" NOT NULL,
    doc     jsonb NOT NULL,
    PRIMARY KEY (tenant, context, id)
);
-- Profile filters (`traits.plan == "pro"`) become containment queries on this index.
CREATE INDEX profiles_doc ON profiles USING gin (doc jsonb_path_ops);

-- Every id of a profile (its own, merge keys, merged-away ids) → the canonical id.
CREATE TABLE profile_ids (
    tenant     text NOT NULL,
    context    text NOT NULL,
    alias      text COLLATE "C" NOT NULL,
    profile_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, context, alias)
);
CREATE INDEX profile_ids_by_profile ON profile_ids (tenant, context, profile_id);

CREATE TABLE sessions (
    tenant     text NOT NULL,
    context    text NOT NULL,
    id         text COLLATE "C" NOT NULL,
    profile_id text COLLATE "C",
    doc        jsonb NOT NULL,
    PRIMARY KEY (tenant, context, id)
);
CREATE INDEX sessions_by_profile ON sessions (tenant, context, profile_id);

-- Monthly range partitions on the insert time, created on demand by the store and
-- dropped whole by retention. The key includes `inserted` as partitioning requires;
-- `event_ids` keeps event ids unique and finds an event's partition.
CREATE TABLE events (
    tenant     text NOT NULL,
    context    text NOT NULL,
    inserted   timestamptz NOT NULL,
    id         text COLLATE "C" NOT NULL,
    profile_id text COLLATE "C",
    doc        jsonb NOT NULL,
    PRIMARY KEY (tenant, context, inserted, id)
) PARTITION BY RANGE (inserted);
CREATE INDEX events_by_profile ON events (tenant, context, profile_id, inserted, id);

CREATE TABLE event_ids (
    tenant   text NOT NULL,
    context  text NOT NULL,
    id       text COLLATE "C" NOT NULL,
    inserted timestamptz NOT NULL,
    PRIMARY KEY (tenant, context, id)
);
CREATE INDEX event_ids_by_time ON event_ids (inserted);

CREATE TABLE config (
    tenant  text NOT NULL,
    context text NOT NULL,
    kind    text COLLATE "C" NOT NULL,
    id      text COLLATE "C" NOT NULL,
    doc     jsonb NOT NULL,
    PRIMARY KEY (tenant, context, kind, id)
);
"#,
    },
    Migration {
        version: 2,
        name: "alias holders, sessions by profile in id order, merge journal and merge marks",
        sql: r#"
-- Every (alias, profile) pair: several profiles may share a merge key until merged.
CREATE TABLE alias_members (
    tenant     text NOT NULL,
    context    text NOT NULL,
    alias      text COLLATE "C" NOT NULL,
    profile_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, context, alias, profile_id)
);
CREATE INDEX alias_members_by_profile ON alias_members (tenant, context, profile_id);
INSERT INTO alias_members (tenant, context, alias, profile_id)
    SELECT tenant, context, alias, profile_id FROM profile_ids;

DROP INDEX sessions_by_profile;
CREATE INDEX sessions_by_profile ON sessions (tenant, context, profile_id, id);

CREATE TABLE merges (
    tenant  text NOT NULL,
    context text NOT NULL,
    id      text COLLATE "C" NOT NULL,
    time    timestamptz NOT NULL,
    doc     jsonb NOT NULL,
    PRIMARY KEY (tenant, context, id)
);
CREATE TABLE merge_profiles (
    tenant     text NOT NULL,
    context    text NOT NULL,
    profile_id text COLLATE "C" NOT NULL,
    time       timestamptz NOT NULL,
    merge_id   text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, context, profile_id, time, merge_id)
);

CREATE TABLE merge_marks (
    tenant     text NOT NULL,
    context    text NOT NULL,
    profile_id text COLLATE "C" NOT NULL,
    marked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, context, profile_id)
);
CREATE INDEX merge_marks_by_time ON merge_marks (tenant, context, marked_at, profile_id);
"#,
    },
    Migration {
        version: 3,
        name: "durable work queue and dead letters",
        sql: r#"
-- The work queue, install-wide. A leased row has a token and an expiry; an expired
-- lease is free again. Consumers lease with FOR UPDATE SKIP LOCKED.
CREATE TABLE work_queue (
    seq          bigserial PRIMARY KEY,
    tenant       text NOT NULL,
    context      text NOT NULL,
    topic        text COLLATE "C" NOT NULL,
    key          text COLLATE "C",
    payload      jsonb NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    enqueued_at  timestamptz NOT NULL,
    available_at timestamptz NOT NULL,
    last_error   text,
    lease_token  text,
    lease_until  timestamptz
);
CREATE INDEX work_queue_by_topic ON work_queue (topic, seq);
CREATE INDEX work_queue_by_key ON work_queue (topic, key, seq) WHERE key IS NOT NULL;

CREATE TABLE dead_letters (
    seq          bigint PRIMARY KEY,
    tenant       text NOT NULL,
    context      text NOT NULL,
    topic        text COLLATE "C" NOT NULL,
    key          text COLLATE "C",
    payload      jsonb NOT NULL,
    attempts     integer NOT NULL,
    enqueued_at  timestamptz NOT NULL,
    available_at timestamptz NOT NULL,
    last_error   text,
    dead_at      timestamptz NOT NULL DEFAULT now()
);
"#,
    },
    Migration {
        version: 4,
        name: "work queue: attempts lost to an expired lease",
        sql: r#"
-- Attempts whose lease expired with neither ack nor nack; `attempts` counts every lease.
ALTER TABLE work_queue ADD COLUMN expired integer NOT NULL DEFAULT 0;
ALTER TABLE dead_letters ADD COLUMN expired integer NOT NULL DEFAULT 0;
"#,
    },
];
