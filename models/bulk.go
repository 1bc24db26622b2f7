package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// bulkTables are the tables the demo fills.
var bulkTables = []string{"cases", "contacts", "case_entries", "case_categories", "case_documents", "callers"}

// BulkLoad is for the demo generator (models/demo), which fills a database with months of
// history: it runs load with the writer connection. When the database has no cases yet, the
// secondary indexes and the call-count triggers of the tables load fills are set aside, and
// built once at the end: one sort per index and one GROUP BY per count table instead of
// keeping them in step row by row. On a million cases that halves the time. Unique indexes
// stay, so the data is checked as it goes. Whatever load returns, the indexes, triggers and
// counts are rebuilt before BulkLoad returns. load opens its own transactions.
func (s *Store) BulkLoad(ctx context.Context, load func(db *gorm.DB) error) (err error) {
	db := s.wdb(ctx)
	var cases int64
	if err := db.Model(&Case{}).Count(&cases).Error; err != nil {
		return err
	}
	if cases != 0 {
		return load(db)
	}
	var objs []struct {
		Type, Name, SQL string
	}
	q := db.Raw(`SELECT type, name, sql FROM sqlite_master
		WHERE sql IS NOT NULL AND ((type = 'index' AND sql NOT LIKE 'CREATE UNIQUE%') OR type = 'trigger')
		AND tbl_name IN ?`, bulkTables)
	if err := q.Scan(&objs).Error; err != nil {
		return err
	}
	for _, o := range objs {
		if err := db.Exec(fmt.Sprintf("DROP %s %q", o.Type, o.Name)).Error; err != nil {
			return err
		}
	}
	defer func() {
		rerr := db.Transaction(func(tx *gorm.DB) error {
			for _, q := range []string{
				`DELETE FROM call_hours`,
				`DELETE FROM call_region_hours`,
				`INSERT INTO call_hours(hour, category, calls)
					SELECT ` + callHour("received_at") + ` AS h, category, COUNT(*) FROM contacts GROUP BY h, category`,
				`INSERT INTO call_region_hours(hour, region, category, calls)
					SELECT ` + callHour("c.received_at") + ` AS h, COALESCE(cs.region, '') AS r, c.category, COUNT(*)
					FROM contacts c LEFT JOIN cases cs ON cs.id = c.case_id GROUP BY h, r, c.category`,
				`DELETE FROM call_citizenship_hours`,
				`INSERT INTO call_citizenship_hours(hour, citizenship, calls)
					SELECT ` + callHour("c.received_at") + ` AS h, COALESCE(cl.citizenship, '') AS z, COUNT(*)
					FROM contacts c LEFT JOIN callers cl ON cl.id = c.caller_id GROUP BY h, z`,
			} {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			for _, o := range objs {
				if err := tx.Exec(o.SQL).Error; err != nil {
					return fmt.Errorf("rebuilding %s %s: %w", o.Type, o.Name, err)
				}
			}
			return nil
		})
		if err == nil {
			err = rerr
		}
	}()
	return load(db)
}
