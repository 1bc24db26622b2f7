package models

import "gorm.io/gorm"

// migrate0012 adds the indexes the reports read, so that no query of a report scans a whole
// table or reads wide rows it does not need (TestReportQueriesUseIndexes checks the plans;
// reports_queries.go names them in INDEXED BY):
//   - contacts(category, channel, received_at): a period's calls of each category and
//     channel, counted as ranges of the index;
//   - contacts(received_at, caller_id): a period's calls and their callers;
//   - callers(id, citizenship): a caller's citizenship without reading the sealed row;
//   - cases(received_at, region, perpetrator, event_id, people_affected, caller_id): a
//     period's cases by every field the reports break them down by;
//   - cases(id, received_at, urgency): when an assigned or resolved case came in;
//   - case_entries(to_status, at, case_id): the assignments and resolutions of a period;
//   - case_entries(case_id, at, to_status, outcome): a case's status and outcome at a moment.
//
// On a database of a million cases they take about a minute to build, once.
func migrate0012(tx *gorm.DB) error {
	for _, q := range []string{
		`CREATE INDEX IF NOT EXISTS idx_contacts_report_pairs ON contacts(category, channel, received_at)`,
		`CREATE INDEX IF NOT EXISTS idx_contacts_report_callers ON contacts(received_at, caller_id)`,
		`CREATE INDEX IF NOT EXISTS idx_callers_report ON callers(id, citizenship)`,
		`CREATE INDEX IF NOT EXISTS idx_cases_report ON cases(received_at, region, perpetrator, event_id, people_affected, caller_id)`,
		`CREATE INDEX IF NOT EXISTS idx_cases_report_times ON cases(id, received_at, urgency)`,
		`CREATE INDEX IF NOT EXISTS idx_case_entries_report_moves ON case_entries(to_status, at, case_id)`,
		`CREATE INDEX IF NOT EXISTS idx_case_entries_report_status ON case_entries(case_id, at, to_status, outcome)`,
	} {
		if err := tx.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}

// migrate0017 keeps the number of calls per hour and citizenship of their caller
// (call_citizenship_hours; "" for a call without a caller or a caller without a citizenship),
// in step with the contacts and callers tables. A report breaks a period's calls down by
// their caller's citizenship; looking up the caller of each of a surge month's quarter of a
// million calls and sorting them took a third of the report's time, where this table holds
// at most a few dozen rows an hour. Triggers keep it in step in the same transaction as
// every write that changes a call's hour or caller, or a caller's citizenship (the calls of
// a deleted caller move to "", as the report's join then finds no citizenship). The DDL is
// frozen: a later change is a new migration.
func migrate0017(tx *gorm.DB) error {
	citizenship := func(id string) string {
		return `COALESCE((SELECT citizenship FROM callers WHERE id = ` + id + `), '')`
	}
	add := `INSERT INTO call_citizenship_hours(hour, citizenship, calls)
			VALUES (` + callHour("NEW.received_at") + `, ` + citizenship("NEW.caller_id") + `, 1)
			ON CONFLICT(hour, citizenship) DO UPDATE SET calls = calls + 1;`
	remove := `UPDATE call_citizenship_hours SET calls = calls - 1
			WHERE hour = ` + callHour("OLD.received_at") + ` AND citizenship = ` + citizenship("OLD.caller_id") + `;`
	// move moves the calls of caller id from citizenship a to citizenship b.
	move := func(id, a, b string) string {
		return `UPDATE call_citizenship_hours SET calls = calls - (
				SELECT COUNT(*) FROM contacts c WHERE c.caller_id = ` + id + `
					AND ` + callHour("c.received_at") + ` = call_citizenship_hours.hour)
			WHERE citizenship = ` + a + ` AND hour IN (
				SELECT ` + callHour("c.received_at") + ` FROM contacts c WHERE c.caller_id = ` + id + `);
			INSERT INTO call_citizenship_hours(hour, citizenship, calls)
				SELECT ` + callHour("c.received_at") + ` AS h, ` + b + `, COUNT(*) FROM contacts c
				WHERE c.caller_id = ` + id + ` GROUP BY h
				ON CONFLICT(hour, citizenship) DO UPDATE SET calls = calls + excluded.calls;`
	}
	for _, q := range []string{
		`CREATE TABLE call_citizenship_hours (
			hour INTEGER NOT NULL,
			citizenship TEXT NOT NULL,
			calls INTEGER NOT NULL,
			PRIMARY KEY (hour, citizenship)
		) WITHOUT ROWID`,
		`INSERT INTO call_citizenship_hours(hour, citizenship, calls)
			SELECT ` + callHour("ct.received_at") + `, COALESCE(cl.citizenship, ''), COUNT(*)
			FROM contacts ct LEFT JOIN callers cl ON cl.id = ct.caller_id GROUP BY 1, 2`,
		`CREATE TRIGGER call_citizenship_insert AFTER INSERT ON contacts BEGIN ` + add + ` END`,
		`CREATE TRIGGER call_citizenship_delete AFTER DELETE ON contacts BEGIN ` + remove + ` END`,
		`CREATE TRIGGER call_citizenship_update AFTER UPDATE OF received_at, caller_id ON contacts BEGIN ` +
			remove + add + ` END`,
		`CREATE TRIGGER call_citizenship_caller AFTER UPDATE OF citizenship ON callers
			WHEN OLD.citizenship IS NOT NEW.citizenship BEGIN ` +
			move("NEW.id", "COALESCE(OLD.citizenship, '')", "COALESCE(NEW.citizenship, '')") + ` END`,
		`CREATE TRIGGER call_citizenship_caller_delete BEFORE DELETE ON callers
			WHEN COALESCE(OLD.citizenship, '') <> '' BEGIN ` +
			move("OLD.id", "OLD.citizenship", "''") + ` END`,
	} {
		if err := tx.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}
