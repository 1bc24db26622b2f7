package models

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"
)

// TestEntitiesCoverTables: every table of a migrated database is the table of one of
// Entities (but the bookkeeping of migrations and the count tables, which hold numbers only),
// so that sealedColumns, derived from Entities, sees every column.
func TestEntitiesCoverTables(t *testing.T) {
	s := openTest(t)
	var tables []string
	if err := s.rdb(context.Background()).Raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"schema_migrations": true, "call_hours": true, "call_region_hours": true, "call_citizenship_hours": true}
	cache := &sync.Map{}
	for _, e := range Entities {
		sch, err := schema.Parse(e, cache, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		known[sch.Table] = true
	}
	for _, tb := range tables {
		if !known[tb] {
			t.Errorf("table %s has no type among Entities: add it, so that its sealed fields are rotated", tb)
		}
	}
}

// TestSealedColumnsFromEntities: the sealed columns are the Personal fields of the entities.
func TestSealedColumnsFromEntities(t *testing.T) {
	got := map[string]string{}
	for _, c := range sealedColumns() {
		got[c.table+"."+c.column] = c.key
	}
	for _, want := range []string{"callers.name", "callers.phone", "callers.safe_contact", "cases.summary", "contacts.summary",
		"case_entries.note", "two_factors.secret", "two_factors.pending"} {
		if got[want] == "" {
			t.Errorf("%s is not among the sealed columns %v", want, got)
		}
	}
	if got["two_factors.secret"] != "user_id" || got["callers.name"] != "id" {
		t.Errorf("key columns: %v", got)
	}
	// Every Personal field of every entity is there.
	n := 0
	for _, e := range Entities {
		for i, typ := 0, reflect.TypeOf(e).Elem(); i < typ.NumField(); i++ {
			if typ.Field(i).Type == reflect.TypeOf(Personal("")) {
				n++
			}
		}
	}
	if n != len(got) {
		t.Errorf("%d Personal fields in the entities, %d sealed columns", n, len(got))
	}
}

// TestRotationLeavesNothingUnderRetiredKey writes a value into every sealed column, rotates
// the keys, then reads every text column of every table of the database: no value is left
// sealed under the retired key, wherever it is.
func TestRotationLeavesNothingUnderRetiredKey(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	cs, err := s.CreateCase(ctx, cw, IntakeInput{Channel: "phone", Caller: CallerInput{Name: "Sharif", Phone: "+79161234567", SafeContact: "after 8 pm"},
		CaseFields: CaseFields{Category: "raid", Summary: "hid in the kiosk during the raid"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddNote(ctx, cw, cs.ID, "called the station"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartEnrolment(ctx, sup); err != nil {
		t.Fatal(err)
	}
	_, _ = enrolled(t, s, "sup2@example.org") // a confirmed secret
	if _, err := s.StartEnrolment(ctx, cw); err != nil {
		t.Fatal(err)
	}
	// Every sealed column holds a value: a sealed field added later must be written here.
	for _, c := range sealedColumns() {
		var n int64
		if err := s.rdb(ctx).Table(c.table).Where(c.column+" LIKE ?", sealedLike).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("%s.%s holds no sealed value in this test: write one", c.table, c.column)
		}
	}
	before := s.keys.ActiveKey()
	if _, err := s.RotateKeys(ctx, nil); err != nil {
		t.Fatal(err)
	}
	retired := fmt.Sprintf(".%d.", before)
	var tables []string
	if err := s.rdb(ctx).Raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, tb := range tables {
		var cols []struct {
			Name string
			Type string
		}
		if err := s.rdb(ctx).Raw("SELECT name, type FROM pragma_table_info(?)", tb).Scan(&cols).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			if !strings.EqualFold(c.Type, "text") {
				continue
			}
			var vals []string
			if err := s.rdb(ctx).Table(tb).Where(c.Name+" LIKE ?", sealedLike).Pluck(c.Name, &vals).Error; err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				checked++
				if strings.HasPrefix(v[3:], retired) || !strings.HasPrefix(v, fmt.Sprintf("%s%d.", sealedPrefix, s.keys.ActiveKey())) {
					t.Errorf("%s.%s holds a value not under the new key: %.12s…", tb, c.Name, v)
				}
			}
		}
	}
	if checked < 8 {
		t.Fatalf("only %d sealed values found", checked)
	}
}
