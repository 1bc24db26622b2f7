package models

import (
	"reflect"
	"sync"

	"context"
	"fmt"
	"gorm.io/gorm/schema"
	"time"
)

// RotationReport says what RotateKeys did.
type RotationReport struct {
	NewKey   uint32
	Resealed int
}

// RotateKeys adds a new data key, makes it the active one, and re-seals every personal value
// under it in small batches, each its own short transaction, so that a running himoya keeps
// serving meanwhile (it notices the new key file within ReloadEvery and seals new values with
// the new key). It sweeps until no value under an older key is left; the older keys stay in
// the key file, marked retired.
func (s *Store) RotateKeys(ctx context.Context, progress func(string)) (*RotationReport, error) {
	id, err := s.keys.rotate()
	if err != nil {
		return nil, err
	}
	rep := &RotationReport{NewKey: id}
	current := fmt.Sprintf("%s%d.%%", sealedPrefix, id)
	// Sweep until nothing is left under an old key. A server that has not yet noticed the new
	// key file may seal a few more values with the old key: the sweeps after ReloadEvery
	// catch them.
	deadline := time.Now().Add(ReloadEvery + time.Second)
	for {
		n, err := s.resealOnce(ctx, current)
		if err != nil {
			return rep, err
		}
		rep.Resealed += n
		if progress != nil && n > 0 {
			progress(fmt.Sprintf("re-sealed %d values", rep.Resealed))
		}
		if n == 0 && time.Now().After(deadline) {
			break
		}
		if n == 0 {
			select {
			case <-ctx.Done():
				return rep, ctx.Err()
			case <-time.After(ReloadEvery / 4):
			}
		}
	}
	// The key check, too.
	sealed, err := s.keys.Seal(keyCheck)
	if err != nil {
		return rep, err
	}
	return rep, s.wdb(ctx).Model(&Setting{}).Where("key = ?", "keycheck").Update("value", sealed).Error
}

// rotateBatch is how many values one transaction of a rotation re-seals.
const rotateBatch = 500

// sealedColumn is a column whose values are sealed, with its table's key column.
type sealedColumn struct{ table, column, key string }

// Entities lists every type himoya stores in a table of its own, one per table (the count
// tables of the reports, kept by triggers, hold numbers only). A test holds it against the
// tables of a migrated database, so that a table added without its type here fails.
var Entities = []any{&Caller{}, &Contact{}, &Case{}, &CaseCategory{}, &CaseDocument{}, &CaseEntry{}, &CaseShare{},
	&Event{}, &Term{}, &User{}, &Session{}, &APIToken{}, &TwoFactor{}, &RecoveryCode{}, &LoginFailure{}, &TokenFailure{},
	&AuditEntry{}, &Setting{}, &ReferenceCounter{}}

// sealedColumns lists every sealed column, derived from the entities: each field of type
// Personal is one. Key rotation re-seals them all, so a sealed field added to an entity later
// is rotated without anyone remembering to list it.
func sealedColumns() []sealedColumn {
	var out []sealedColumn
	cache := &sync.Map{}
	personal := reflect.TypeOf(Personal(""))
	for _, e := range Entities {
		sch, err := schema.Parse(e, cache, schema.NamingStrategy{})
		if err != nil {
			panic(fmt.Sprintf("entity %T: %v", e, err)) // a programming error, caught by every test
		}
		for _, f := range sch.Fields {
			if f.DBName == "" || f.FieldType != personal {
				continue
			}
			if sch.PrioritizedPrimaryField == nil {
				panic(fmt.Sprintf("entity %T has sealed fields but no single key column", e))
			}
			out = append(out, sealedColumn{sch.Table, f.DBName, sch.PrioritizedPrimaryField.DBName})
		}
	}
	return out
}

// resealOnce re-seals every value not under the key pattern current (the current format and
// key), batch by batch, and returns how many it changed: values of an older format under the
// active key are re-sealed too, so that a rotation also pads what was sealed before padding.
func (s *Store) resealOnce(ctx context.Context, current string) (int, error) {
	total := 0
	for _, pc := range sealedColumns() {
		for {
			var rows []struct {
				ID    uint
				Value string
			}
			err := s.rdb(ctx).Table(pc.table).Select(pc.key+" AS id, "+pc.column+" AS value").
				Where(pc.column+" LIKE ? AND "+pc.column+" NOT LIKE ?", sealedLike, current).
				Order(pc.key).Limit(rotateBatch).Find(&rows).Error
			if err != nil {
				return total, err
			}
			if len(rows) == 0 {
				break
			}
			tx := s.wdb(ctx).Begin()
			for _, r := range rows {
				plain, err := s.keys.Open(r.Value)
				if err != nil {
					tx.Rollback()
					return total, fmt.Errorf("%s.%s of row %d: %w", pc.table, pc.column, r.ID, err)
				}
				sealed, err := s.keys.Seal(plain)
				if err != nil {
					tx.Rollback()
					return total, err
				}
				// Only if the value is still the one read: a concurrent edit wins.
				res := tx.Table(pc.table).Where(pc.key+" = ? AND "+pc.column+" = ?", r.ID, r.Value).Update(pc.column, sealed)
				if res.Error != nil {
					tx.Rollback()
					return total, res.Error
				}
				total += int(res.RowsAffected)
			}
			if err := tx.Commit().Error; err != nil {
				return total, err
			}
		}
	}
	return total, nil
}
