package models

import (
	"strings"

	"gorm.io/gorm"
)

// migrate0014 adds the indexes the dashboard's tiles read, so that none of them scans a whole
// table:
//   - cases(status, urgency, assignee_id, received_at): open cases are a small fraction of all
//     cases; counting them by status, finding the unassigned critical ones and each
//     caseworker's load are searches of this index alone (it covers those columns).
//   - cases(updated_at, received_at, status, urgency, assignee_id): looking back ("as of" a
//     past moment) needs the cases that changed since that moment, whose state then is
//     rebuilt from their timelines; the index holds all it reads of them.
//   - contacts(received_at, category, case_id): counting calls by category over the ragged
//     edges of a window (the hours call_hours does not cover whole) reads this index alone,
//     and by region needs only the case's row.
func migrate0014(tx *gorm.DB) error {
	for _, q := range []string{
		`CREATE INDEX IF NOT EXISTS idx_cases_open_work ON cases(status, urgency, assignee_id, received_at)`,
		`CREATE INDEX IF NOT EXISTS idx_cases_changed ON cases(updated_at, received_at, status, urgency, assignee_id)`,
		`CREATE INDEX IF NOT EXISTS idx_contacts_received_category ON contacts(received_at, category, case_id)`,
	} {
		if err := tx.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}

// callHourSQL is the hour a call was received in, as whole hours since 1970 (UTC), from a
// received_at column stored as text. Every time zone whose offset is whole hours (Moscow's
// is) has its days made of whole such hours.
const callHourSQL = `(CAST(strftime('%s', X) AS INTEGER) / 3600)`

func callHour(col string) string { return strings.Replace(callHourSQL, "X", col, 1) }

// migrate0015 keeps the number of calls per hour and category (call_hours), and per hour,
// region and category (call_region_hours), in step with the contacts table. Counting a day's
// or sixty days' calls from three million rows takes longer than the dashboard may; these
// tables hold at most a few dozen rows an hour. Triggers keep them in step in the same
// transaction as every write to contacts (and to a case's region, which is its calls' region),
// whichever code path writes, so no write path has to remember them. The existing calls are
// counted once here.
func migrate0015(tx *gorm.DB) error {
	newHour, oldHour := callHour("NEW.received_at"), callHour("OLD.received_at")
	newRegion := `COALESCE((SELECT region FROM cases WHERE id = NEW.case_id), '')`
	oldRegion := `COALESCE((SELECT region FROM cases WHERE id = OLD.case_id), '')`
	add := `INSERT INTO call_hours(hour, category, calls) VALUES (` + newHour + `, NEW.category, 1)
			ON CONFLICT(hour, category) DO UPDATE SET calls = calls + 1;
		INSERT INTO call_region_hours(hour, region, category, calls) VALUES (` + newHour + `, ` + newRegion + `, NEW.category, 1)
			ON CONFLICT(hour, region, category) DO UPDATE SET calls = calls + 1;`
	remove := `UPDATE call_hours SET calls = calls - 1 WHERE hour = ` + oldHour + ` AND category = OLD.category;
		UPDATE call_region_hours SET calls = calls - 1
			WHERE hour = ` + oldHour + ` AND region = ` + oldRegion + ` AND category = OLD.category;`
	contactHour := callHour("c.received_at")
	for _, q := range []string{
		`CREATE TABLE call_hours (
			hour INTEGER NOT NULL,
			category TEXT NOT NULL,
			calls INTEGER NOT NULL,
			PRIMARY KEY (hour, category)
		) WITHOUT ROWID`,
		`CREATE TABLE call_region_hours (
			hour INTEGER NOT NULL,
			region TEXT NOT NULL,
			category TEXT NOT NULL,
			calls INTEGER NOT NULL,
			PRIMARY KEY (hour, region, category)
		) WITHOUT ROWID`,
		`CREATE INDEX idx_call_region_hours_pair ON call_region_hours(region, category, hour)`,
		`INSERT INTO call_hours(hour, category, calls)
			SELECT ` + callHour("received_at") + ` AS h, category, COUNT(*) FROM contacts GROUP BY h, category`,
		`INSERT INTO call_region_hours(hour, region, category, calls)
			SELECT ` + contactHour + ` AS h, COALESCE(cs.region, '') AS r, c.category, COUNT(*)
			FROM contacts c LEFT JOIN cases cs ON cs.id = c.case_id GROUP BY h, r, c.category`,
		`CREATE TRIGGER call_counts_insert AFTER INSERT ON contacts BEGIN ` + add + ` END`,
		`CREATE TRIGGER call_counts_delete AFTER DELETE ON contacts BEGIN ` + remove + ` END`,
		`CREATE TRIGGER call_counts_update AFTER UPDATE OF received_at, category, case_id ON contacts BEGIN ` +
			remove + add + ` END`,
		// A case's new region becomes the region of all its calls.
		`CREATE TRIGGER call_counts_case_region AFTER UPDATE OF region ON cases WHEN OLD.region IS NOT NEW.region BEGIN
			UPDATE call_region_hours SET calls = calls - (
				SELECT COUNT(*) FROM contacts c WHERE c.case_id = NEW.id
					AND ` + contactHour + ` = call_region_hours.hour AND c.category = call_region_hours.category)
				WHERE region = OLD.region AND (hour, category) IN (
					SELECT ` + contactHour + `, c.category FROM contacts c WHERE c.case_id = NEW.id);
			INSERT INTO call_region_hours(hour, region, category, calls)
				SELECT ` + contactHour + ` AS h, NEW.region, c.category, COUNT(*) FROM contacts c
				WHERE c.case_id = NEW.id GROUP BY h, c.category
				ON CONFLICT(hour, region, category) DO UPDATE SET calls = calls + excluded.calls;
		END`,
	} {
		if err := tx.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}
