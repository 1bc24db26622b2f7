package models

import (
	"context"
	"sync"
	"time"

	"gorm.io/gorm"
)

// readLog gathers the audit entries of reads that happen at once, so that they share one
// write transaction (a group commit): every read still waits until its entry is committed
// — a read that cannot be logged is not shown — but N lists read at the same moment cost one
// commit, not N, and calls being saved meanwhile wait for one transaction, not N.
type readLog struct {
	mu      sync.Mutex
	pending []*pendingRead
	busy    bool
}

type pendingRead struct {
	a    Audit
	done chan error
}

// readLogTimeout bounds a batch's transaction (it serves several requests, so it runs on a
// context of its own).
const readLogTimeout = 15 * time.Second

// RecordRead logs a read that showed records — a list, a search, a lookup — as who, when,
// from where, the action, the kind of record and detail (codes and counts only), and returns
// once the entry is committed. Concurrent reads are committed together (readLog).
func (s *Store) RecordRead(ctx context.Context, u *User, action, object, detail string) error {
	ri := requestInfo(ctx)
	p := &pendingRead{a: Audit{Actor: u, Action: action, Object: object, Detail: detail, at: s.now(), from: &ri}, done: make(chan error, 1)}
	r := &s.reads
	r.mu.Lock()
	r.pending = append(r.pending, p)
	lead := !r.busy
	r.busy = true
	r.mu.Unlock()
	if lead {
		s.flushReads()
	}
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// flushReads commits the pending read entries in one transaction. The batch is taken once
// the transaction holds the writer, so that the reads arriving while it waited for a save in
// progress join it. Reads that arrive during the commit are left to the next batch, which a
// goroutine of its own commits.
func (s *Store) flushReads() {
	r := &s.reads
	ctx, cancel := context.WithTimeout(context.Background(), readLogTimeout)
	defer cancel()
	var batch []*pendingRead
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		r.mu.Lock()
		batch, r.pending = r.pending, nil
		r.mu.Unlock()
		for _, p := range batch {
			if err := s.audit(tx, p.a); err != nil {
				return err
			}
		}
		return nil
	})
	if batch == nil { // the transaction never began: fail what was waiting
		r.mu.Lock()
		batch, r.pending = r.pending, nil
		r.mu.Unlock()
	}
	for _, p := range batch {
		p.done <- err
	}
	r.mu.Lock()
	more := len(r.pending) > 0
	r.busy = more
	r.mu.Unlock()
	if more {
		go s.flushReads()
	}
}
