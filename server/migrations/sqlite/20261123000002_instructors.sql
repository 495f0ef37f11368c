-- Instructors, their sessions (by digest), their classes, and who joined which class.
CREATE TABLE instructors (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE instructor_sessions (
    token_sha256  TEXT    PRIMARY KEY,
    instructor_id INTEGER NOT NULL REFERENCES instructors (id) ON DELETE CASCADE,
    expires_at    INTEGER NOT NULL
);

CREATE TABLE classes (
    class_id      TEXT    PRIMARY KEY,
    instructor_id INTEGER NOT NULL REFERENCES instructors (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    join_code     TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL
);

-- A learner is in at most one class; joining another moves them.
CREATE TABLE class_members (
    learner_id   TEXT    PRIMARY KEY,
    class_id     TEXT    NOT NULL REFERENCES classes (class_id) ON DELETE CASCADE,
    display_name TEXT,
    joined_at    INTEGER NOT NULL
);
CREATE INDEX class_members_by_class ON class_members (class_id);
