package models

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// TestReadsLoggedTogether: reads logged at once are all committed, each with its own actor,
// address, request id and detail, and the chain still verifies.
func TestReadsLoggedTogether(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, UserInput{Email: "cw@example.org", Role: RoleCaseworker, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	var before int64
	s.rdb(ctx).Model(&AuditEntry{}).Count(&before)
	const n = 60
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx := WithRequestInfo(ctx, "10.0.0.1", fmt.Sprintf("req-%d", i))
			errs <- s.RecordRead(rctx, u, AuditCaseList, ObjectCase, fmt.Sprintf("rows=%d", i))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var entries []AuditEntry
	if err := s.rdb(ctx).Where("id > ?", before).Order("id").Find(&entries).Error; err != nil {
		t.Fatal(err)
	}
	if len(entries) != n {
		t.Fatalf("%d entries, want %d", len(entries), n)
	}
	seen := map[string]string{}
	for _, e := range entries {
		seen[e.RequestID] = e.Detail
		if e.IP != "10.0.0.1" || e.ActorID == nil || *e.ActorID != u.ID || e.Action != AuditCaseList {
			t.Errorf("entry %d: %+v", e.ID, e)
		}
	}
	for i := 0; i < n; i++ {
		if seen[fmt.Sprintf("req-%d", i)] != fmt.Sprintf("rows=%d", i) {
			t.Errorf("read %d: entry %q", i, seen[fmt.Sprintf("req-%d", i)])
		}
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}
