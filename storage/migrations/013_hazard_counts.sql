-- How many hazards each /my scope holds, kept by triggers in the very transaction that files or moves a hazard
-- (issue 16): /my's 全部 says "共 N 项" by reading one row, not by counting a million index entries. Scopes: ''
-- (the county), 'd:<department>', 't:<township>', 'e:<enterprise>'; a unit's count is its 'd:' plus its 't:' (a unit is
-- one kind, so no hazard is in both).
CREATE TABLE hazard_counts (
    scope TEXT    PRIMARY KEY,
    n     INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO hazard_counts (scope, n) SELECT '', COUNT(*) FROM hazards;
INSERT INTO hazard_counts (scope, n) SELECT 'd:' || department_id, COUNT(*) FROM hazards GROUP BY department_id;
INSERT INTO hazard_counts (scope, n) SELECT 't:' || township_id, COUNT(*) FROM hazards GROUP BY township_id;
INSERT INTO hazard_counts (scope, n) SELECT 'e:' || enterprise_id, COUNT(*) FROM hazards GROUP BY enterprise_id;

CREATE TRIGGER hazards_count_filed AFTER INSERT ON hazards
BEGIN
    INSERT INTO hazard_counts (scope, n)
    VALUES ('', 1), ('d:' || NEW.department_id, 1), ('t:' || NEW.township_id, 1), ('e:' || NEW.enterprise_id, 1)
    ON CONFLICT (scope) DO UPDATE SET n = n + 1;
END;

-- 移送 moves a hazard to another department or township
CREATE TRIGGER hazards_count_moved AFTER UPDATE OF department_id, township_id, enterprise_id ON hazards
WHEN OLD.department_id IS NOT NEW.department_id OR OLD.township_id IS NOT NEW.township_id
    OR OLD.enterprise_id IS NOT NEW.enterprise_id
BEGIN
    UPDATE hazard_counts SET n = n - 1
    WHERE scope IN ('d:' || OLD.department_id, 't:' || OLD.township_id, 'e:' || OLD.enterprise_id);
    INSERT INTO hazard_counts (scope, n)
    VALUES ('d:' || NEW.department_id, 1), ('t:' || NEW.township_id, 1), ('e:' || NEW.enterprise_id, 1)
    ON CONFLICT (scope) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER hazards_count_removed AFTER DELETE ON hazards
BEGIN
    UPDATE hazard_counts SET n = n - 1
    WHERE scope IN ('', 'd:' || OLD.department_id, 't:' || OLD.township_id, 'e:' || OLD.enterprise_id);
END;
