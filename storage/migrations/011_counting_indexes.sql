-- Counting in the database (issue 16): /stats, the digest, the ranking and the quarterly table read
-- aggregates through indexes instead of loading every hazard with its events.
-- The hazards still in the loop, with every column counting groups and filters by: the snapshot's
-- GROUP BY state, grade and unit is answered from this index alone, never from the table.
CREATE INDEX hazards_live ON hazards
    (state, department_id, township_id, enterprise_id, grade, updated_at, deadline, accept_clock_from, reported_at)
    WHERE state IN ('reported', 'rectifying', 'awaiting_verification', 'recheck');

-- What counting needs of the events it counts (accept, rebound, recheck_pass, verify_pass), worked out once
-- as each event is written, in its transaction, from the events before it (domain.statistics' rules):
--   accept: whether it is the hazard's first, the 受理 clock it ran on (filing, or the last 移送 to another
--           department before it) and the grade reported when the unit changed it;
--   verify_pass: the round it closes, when it is one (the submit just before it, no rebound or 销号 between):
--           submitted by the deadline in force then (the last accept, 延期 or rebound that set one), and when
--           the round started (filing, or the last rebound).
-- Keyed by (action, at): a period's events of one kind are one range, read without touching events.
CREATE TABLE event_facts (
    action        TEXT    NOT NULL,
    at            TEXT    NOT NULL,
    event_id      INTEGER NOT NULL REFERENCES events (id),
    hazard_id     INTEGER NOT NULL,
    -- the hazard's units, enterprise and grade now (kept so by hazards_counted below): counting groups and scopes
    -- by them, as domain.statistics does, without a lookup into hazards for every event
    department_id TEXT    NOT NULL,
    township_id   TEXT    NOT NULL,
    enterprise_id TEXT    NOT NULL,
    grade         TEXT    NOT NULL,
    first_accept  INTEGER,
    clock_from    TEXT,
    grade_from    TEXT,
    on_time       INTEGER,  -- verify_pass: 1 on time, 0 late, NULL not a round
    round_started TEXT,
    PRIMARY KEY (action, at, event_id)
) WITHOUT ROWID;
CREATE INDEX event_facts_by_hazard ON event_facts (hazard_id);

-- a 移送 or a new grade moves the hazard's counted events with it
CREATE TRIGGER hazards_counted AFTER UPDATE OF department_id, township_id, enterprise_id, grade ON hazards
WHEN OLD.department_id IS NOT NEW.department_id OR OLD.township_id IS NOT NEW.township_id
    OR OLD.enterprise_id IS NOT NEW.enterprise_id OR OLD.grade IS NOT NEW.grade
BEGIN
    UPDATE event_facts SET department_id = NEW.department_id, township_id = NEW.township_id,
        enterprise_id = NEW.enterprise_id, grade = NEW.grade
    WHERE hazard_id = NEW.id;
END;

-- a period's filings by unit and enterprise, from the index alone
CREATE INDEX hazards_filed ON hazards (reported_at, department_id, township_id, enterprise_id, state, grade, updated_at,
                                       deadline);

CREATE TRIGGER events_counted AFTER INSERT ON events
WHEN NEW.action IN ('accept', 'rebound', 'recheck_pass', 'verify_pass')
BEGIN
    INSERT INTO event_facts (action, at, event_id, hazard_id, department_id, township_id, enterprise_id, grade,
                             first_accept, clock_from, grade_from, on_time, round_started)
    SELECT NEW.action, NEW.at, NEW.id, NEW.hazard_id, h.department_id, h.township_id, h.enterprise_id, h.grade,
        CASE WHEN NEW.action = 'accept' THEN NOT EXISTS (SELECT 1 FROM events p WHERE p.hazard_id = NEW.hazard_id
            AND p.id < NEW.id AND p.action = 'accept') END,
        CASE WHEN NEW.action = 'accept' THEN COALESCE((SELECT t.at FROM events t WHERE t.hazard_id = NEW.hazard_id
            AND t.id < NEW.id AND t.action = 'transfer' AND json_extract(t.data, '$.role') = 'department'
            ORDER BY t.id DESC LIMIT 1), (SELECT h.reported_at FROM hazards h WHERE h.id = NEW.hazard_id)) END,
        CASE WHEN NEW.action = 'accept' THEN json_extract(NEW.data, '$.grade_from') END,
        CASE WHEN NEW.action = 'verify_pass' AND s.action = 'submit' THEN s.at <= COALESCE((
            SELECT CASE WHEN length(x) = 25 THEN substr(x, 1, 19) || '.000000' || substr(x, 20) ELSE x END
            FROM (SELECT json_extract(d.data, '$.deadline_to') AS x FROM events d WHERE d.hazard_id = NEW.hazard_id
                AND d.id < s.id AND d.action IN ('accept', 'ext_approve', 'rebound')
                AND json_extract(d.data, '$.deadline_to') IS NOT NULL ORDER BY d.id DESC LIMIT 1)), s.at) END,
        CASE WHEN NEW.action = 'verify_pass' AND s.action = 'submit' THEN COALESCE((SELECT r.at FROM events r
            WHERE r.hazard_id = NEW.hazard_id AND r.id < NEW.id AND r.action = 'rebound' ORDER BY r.id DESC LIMIT 1),
            (SELECT h.reported_at FROM hazards h WHERE h.id = NEW.hazard_id)) END
    FROM hazards h LEFT JOIN events s ON s.id = (SELECT p.id FROM events p WHERE p.hazard_id = NEW.hazard_id
        AND p.id < NEW.id AND p.action IN ('submit', 'rebound', 'verify_pass') ORDER BY p.id DESC LIMIT 1)
    WHERE h.id = NEW.hazard_id;
END;

-- the events written before this version
INSERT INTO event_facts (action, at, event_id, hazard_id, department_id, township_id, enterprise_id, grade,
                         first_accept, clock_from, grade_from, on_time, round_started)
SELECT e.action, e.at, e.id, e.hazard_id, h.department_id, h.township_id, h.enterprise_id, h.grade,
    CASE WHEN e.action = 'accept' THEN NOT EXISTS (SELECT 1 FROM events p WHERE p.hazard_id = e.hazard_id
        AND p.id < e.id AND p.action = 'accept') END,
    CASE WHEN e.action = 'accept' THEN COALESCE((SELECT t.at FROM events t WHERE t.hazard_id = e.hazard_id
        AND t.id < e.id AND t.action = 'transfer' AND json_extract(t.data, '$.role') = 'department'
        ORDER BY t.id DESC LIMIT 1), (SELECT h.reported_at FROM hazards h WHERE h.id = e.hazard_id)) END,
    CASE WHEN e.action = 'accept' THEN json_extract(e.data, '$.grade_from') END,
    CASE WHEN e.action = 'verify_pass' AND s.action = 'submit' THEN s.at <= COALESCE((
        SELECT CASE WHEN length(x) = 25 THEN substr(x, 1, 19) || '.000000' || substr(x, 20) ELSE x END
        FROM (SELECT json_extract(d.data, '$.deadline_to') AS x FROM events d WHERE d.hazard_id = e.hazard_id
            AND d.id < s.id AND d.action IN ('accept', 'ext_approve', 'rebound')
            AND json_extract(d.data, '$.deadline_to') IS NOT NULL ORDER BY d.id DESC LIMIT 1)), s.at) END,
    CASE WHEN e.action = 'verify_pass' AND s.action = 'submit' THEN COALESCE((SELECT r.at FROM events r
        WHERE r.hazard_id = e.hazard_id AND r.id < e.id AND r.action = 'rebound' ORDER BY r.id DESC LIMIT 1),
        (SELECT h.reported_at FROM hazards h WHERE h.id = e.hazard_id)) END
FROM events e JOIN hazards h ON h.id = e.hazard_id LEFT JOIN events s ON s.id = (SELECT p.id FROM events p WHERE p.hazard_id = e.hazard_id
    AND p.id < e.id AND p.action IN ('submit', 'rebound', 'verify_pass') ORDER BY p.id DESC LIMIT 1)
WHERE e.action IN ('accept', 'rebound', 'recheck_pass', 'verify_pass');
