package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// AuditEntry is one line of the audit log: who did what to which record, when, from which
// address. It never holds personal data: records are named by kind and id, and Detail holds
// only codes (statuses, field names, counts).
//
// The log is append-only and tamper-evident: each entry's Hash is an HMAC (under a key derived
// from the key file, which is not in the database) over the previous entry's hash and the
// entry's own fields, so that editing, deleting or reordering rows breaks the chain, and
// nobody holding only the database can forge a new one.
type AuditEntry struct {
	ID        uint
	At        time.Time
	ActorID   *uint
	Actor     *User `gorm:"foreignKey:ActorID"`
	Action    string
	Object    string
	ObjectID  *uint
	IP        string
	RequestID string
	Detail    string
	PrevHash  string
	Hash      string
}

// Audit actions.
const (
	AuditLoginOK      = "login.success"
	AuditLoginFail    = "login.failure"
	AuditLogout       = "logout"
	AuditCaseView     = "case.view"
	AuditCaseCreate   = "case.create"
	AuditCaseUpdate   = "case.update"
	AuditCaseMove     = "case.transition"
	AuditCaseAssign   = "case.assign"
	AuditCaseNote     = "case.note"
	AuditContact      = "contact.create"
	AuditUserCreate   = "user.create"
	AuditUserUpdate   = "user.update"
	AuditUserPassword = "user.password"
	AuditExport       = "export"
)

// AuditActions lists every action the log records, for the filters of the log's page.
var AuditActions = []string{
	AuditLoginOK, AuditLoginFail, AuditLogout, AuditCaseView, AuditCaseCreate, AuditCaseUpdate,
	AuditCaseMove, AuditCaseAssign, AuditCaseNote, AuditContact, AuditUserCreate, AuditUserUpdate,
	AuditUserPassword, AuditExport, AuditCaseShare, AuditCaseUnshare, AuditTokenCreate, AuditTokenRevoke,
	AuditRetentionRun, AuditRetentionErase, AuditCallerForget, // retention.go
	AuditCallerView, AuditCallerUpdate, AuditCallerLookup, // caller.go
	AuditCaseList, // case.go
}

// Kinds of record an audit entry names.
const (
	ObjectCase    = "case"
	ObjectContact = "contact"
	ObjectUser    = "user"
	ObjectAudit   = "audit"
)

// AuditObjects lists every kind of record the log names.
var AuditObjects = []string{ObjectCase, ObjectContact, ObjectUser, ObjectAudit, ObjectCaller}

type requestInfoKey struct{}

// RequestInfo is where a request came from, for the audit log.
type RequestInfo struct {
	IP        string
	RequestID string
}

// WithRequestInfo records the request's address and id in ctx; the HTTP layer sets it on
// every request, the CLI leaves it empty.
func WithRequestInfo(ctx context.Context, ip, requestID string) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, RequestInfo{IP: ip, RequestID: requestID})
}

func requestInfo(ctx context.Context) RequestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(RequestInfo)
	return ri
}

// Audit is what an entry says; audit fills in when, where from, and the chain.
type Audit struct {
	Actor    *User
	Action   string
	Object   string
	ObjectID uint
	Detail   string

	// at and from, when set, are when and where the entry's event happened (a read logged
	// in a later transaction, see RecordRead); otherwise now and the transaction's request.
	at   time.Time
	from *RequestInfo
}

// audit appends an entry to the log inside tx (the write transaction of the change it
// records, so that a change without its entry cannot be committed). The write lock that
// every write transaction takes first makes the chain's order the commit order.
func (s *Store) audit(tx *gorm.DB, a Audit) error {
	ri := requestInfo(tx.Statement.Context)
	if a.from != nil {
		ri = *a.from
	}
	at := a.at
	if at.IsZero() {
		at = s.now()
	}
	e := AuditEntry{At: at, Action: a.Action, Object: a.Object, IP: ri.IP, RequestID: ri.RequestID, Detail: a.Detail}
	if a.Actor != nil && a.Actor.ID != 0 {
		id := a.Actor.ID
		e.ActorID = &id
	}
	if a.ObjectID != 0 {
		id := a.ObjectID
		e.ObjectID = &id
	}
	var last AuditEntry
	if err := tx.Select("id, hash").Order("id DESC").Limit(1).Find(&last).Error; err != nil {
		return err
	}
	e.ID = last.ID + 1
	e.PrevHash = last.Hash
	e.Hash = s.auditHash(&e)
	return tx.Create(&e).Error
}

// auditHash chains an entry to the one before it.
func (s *Store) auditHash(e *AuditEntry) string {
	var b strings.Builder
	field := func(v string) { b.WriteString(strconv.Itoa(len(v))); b.WriteByte(':'); b.WriteString(v) }
	opt := func(p *uint) string {
		if p == nil {
			return ""
		}
		return strconv.FormatUint(uint64(*p), 10)
	}
	field(e.PrevHash)
	field(strconv.FormatUint(uint64(e.ID), 10))
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(opt(e.ActorID))
	field(e.Action)
	field(e.Object)
	field(opt(e.ObjectID))
	field(e.IP)
	field(e.RequestID)
	field(e.Detail)
	return s.keys.Blind("audit", b.String())
}

// ErrAuditBroken says the audit log's chain does not hold: a row was changed, removed or
// inserted outside himoya.
var ErrAuditBroken = errors.New("the audit log has been tampered with")

// VerifyAudit walks the whole audit log and checks its chain. It returns how many entries it
// checked, and an error naming the first entry that breaks the chain.
func (s *Store) VerifyAudit(ctx context.Context) (int, error) {
	var prev AuditEntry
	n := 0
	var batch []AuditEntry
	for {
		batch = batch[:0]
		if err := s.rdb(ctx).Where("id > ?", prev.ID).Order("id").Limit(1000).Find(&batch).Error; err != nil {
			return n, err
		}
		if len(batch) == 0 {
			return n, nil
		}
		for i := range batch {
			e := &batch[i]
			switch {
			case e.ID != prev.ID+1:
				return n, fmt.Errorf("%w: entry %d is missing", ErrAuditBroken, prev.ID+1)
			case e.PrevHash != prev.Hash:
				return n, fmt.Errorf("%w: entry %d does not follow entry %d", ErrAuditBroken, e.ID, prev.ID)
			case e.Hash != s.auditHash(e):
				return n, fmt.Errorf("%w: entry %d was changed", ErrAuditBroken, e.ID)
			}
			prev = *e
			n++
		}
	}
}
