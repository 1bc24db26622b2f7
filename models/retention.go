package models

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Retention: personal data is kept while it serves the people it describes, and erased when
// a case has been closed for longer than the retention period, or when a supervisor decides
// that a person must be forgotten. Erasing blanks the personal columns (see personalColumns)
// and keeps every other column, so that every count of Count stays the same:
//
//   - erased: the case's summary, its calls' summaries, its timeline's notes; the caller's
//     name, phone, phone index (so a phone lookup no longer finds them) and safe-contact
//     instructions.
//   - kept: reference, categories, region, city, kind of place, perpetrator, people affected,
//     urgency, dates, status, outcome, event, documents, channel, who took and handled it,
//     and the caller's citizenship, language and "safe to call" flag. City is kept: it is a
//     locality for the reports (an exact address belongs in the summary, which is erased).
//
// Deleted bytes must not survive in the file either: the writer connection runs with
// secure_delete on (see sqliteDSN), so SQLite overwrites what it frees with zeros, and after
// erasing, the WAL (which still holds the pages as they were) is checkpointed into the file
// and truncated. Without the key file the erased values were unreadable anyway; with it,
// nothing of them is left to read.

// DefaultRetentionMonths is how long personal data of a closed case is kept.
const DefaultRetentionMonths = 24

// Audit actions and the kind of record of this file.
const (
	// AuditRetentionRun records one run of the retention job: "cases=N callers=M calls=K".
	AuditRetentionRun = "retention.run"
	// AuditRetentionErase records one batch of a large run, in the batch's transaction.
	AuditRetentionErase = "retention.erase"
	// AuditCallerForget records that a supervisor erased a person: "reason=CODE cases=N calls=M".
	AuditCallerForget = "caller.forget"
	// ObjectCaller names a caller record in the audit log.
	ObjectCaller = "caller"
)

// retentionBatch is how many records one transaction of the retention job erases, so that
// calls being saved meanwhile wait at most a moment for the writer.
const retentionBatch = 500

// RetentionReport says what a retention run erased.
type RetentionReport struct {
	// Cutoff: cases closed and calls received before it were erased.
	Cutoff time.Time
	// Cases, Calls (calls with no case) and Callers erased in this run.
	Cases, Calls, Callers int
	// Checkpointed says the WAL was written into the database file and truncated, so that
	// no copy of the erased values is left in either file.
	Checkpointed bool
}

// caseHasPersonal selects cases that still hold personal text. Retention looks at this and
// not at erased_at, so that a note added to a closed case after it was erased is erased too.
const caseHasPersonal = `(cases.summary <> '' OR EXISTS (SELECT 1 FROM contacts ct WHERE ct.case_id = cases.id AND ct.summary <> '')
	OR EXISTS (SELECT 1 FROM case_entries ce WHERE ce.case_id = cases.id AND ce.note <> ''))`

// callerHasPersonal selects callers that still hold personal data.
const callerHasPersonal = `(callers.name <> '' OR callers.phone <> '' OR callers.phone_index <> '' OR callers.safe_contact <> '')`

// callerExpired selects callers none of whose cases is open or closed since the cutoff and
// none of whose calls without a case was received since it. Every ? is the cutoff. (A caller
// is saved in the transaction of their first case or call, so none is seen half-made.)
const callerExpired = `NOT EXISTS (SELECT 1 FROM cases c WHERE c.caller_id = callers.id AND NOT (c.status = 'closed' AND c.closed_at < ?))
	AND NOT EXISTS (SELECT 1 FROM contacts ct LEFT JOIN cases c ON c.id = ct.case_id WHERE ct.caller_id = callers.id
		AND CASE WHEN ct.case_id IS NULL THEN ct.received_at >= ? ELSE NOT (c.status = 'closed' AND c.closed_at < ?) END)`

// RunRetention erases the personal data of cases closed more than months ago, of calls with
// no case received more than months ago, and of callers all of whose cases and calls are
// past that point (a caller with a case still open, or within the period, keeps theirs).
// It works in small transactions, each recorded in the audit log, and ends with one entry
// for the whole run. It is safe to run again: what is already erased is not touched.
func (s *Store) RunRetention(ctx context.Context, months int) (*RetentionReport, error) {
	if months < 1 {
		return nil, &ValidationError{Fields: map[string]string{"months": "v.retention_period_must_be_at"}}
	}
	now := s.now()
	rep := &RetentionReport{Cutoff: now.AddDate(0, -months, 0)}
	cut := rep.Cutoff

	// Cases, then calls with no case, batch by batch.
	batches := []struct {
		count *int
		pick  func(tx *gorm.DB, after uint, ids *[]uint) error
		erase func(tx *gorm.DB, ids []uint) error
		what  string
	}{
		{&rep.Cases, func(tx *gorm.DB, after uint, ids *[]uint) error {
			return tx.Table("cases").Where("cases.id > ? AND cases.status = ? AND cases.closed_at < ?", after, StatusClosed, cut).
				Where(caseHasPersonal).Order("cases.id").Limit(retentionBatch).Pluck("cases.id", ids).Error
		}, func(tx *gorm.DB, ids []uint) error { return eraseCases(tx, ids, now) }, "cases"},
		{&rep.Calls, func(tx *gorm.DB, after uint, ids *[]uint) error {
			return tx.Table("contacts").Where("id > ? AND case_id IS NULL AND received_at < ? AND summary <> ''", after, cut).
				Order("id").Limit(retentionBatch).Pluck("id", ids).Error
		}, func(tx *gorm.DB, ids []uint) error {
			return tx.Table("contacts").Where("id IN ?", ids).Updates(map[string]any{"summary": "", "erased_at": now}).Error
		}, "calls"},
	}
	for _, b := range batches {
		var after uint
		for {
			var ids []uint
			err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
				if err := b.pick(tx, after, &ids); err != nil || len(ids) == 0 {
					return err
				}
				if err := b.erase(tx, ids); err != nil {
					return err
				}
				return s.audit(tx, Audit{Action: AuditRetentionErase, Detail: fmt.Sprintf("%s=%d", b.what, len(ids))})
			})
			if err != nil {
				return rep, err
			}
			*b.count += len(ids)
			if len(ids) < retentionBatch {
				break
			}
			after = ids[len(ids)-1]
		}
	}

	// Callers last: a caller is expired only once every case of theirs is. The last
	// transaction records the whole run.
	var after uint
	for {
		var ids []uint
		err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
			err := tx.Table("callers").Where("callers.id > ?", after).Where(callerHasPersonal).
				Where(callerExpired, cut, cut, cut).Order("callers.id").Limit(retentionBatch).Pluck("callers.id", &ids).Error
			if err != nil {
				return err
			}
			if len(ids) > 0 {
				if err := eraseCallers(tx, ids, now); err != nil {
					return err
				}
			}
			if len(ids) == retentionBatch {
				return s.audit(tx, Audit{Action: AuditRetentionErase, Detail: fmt.Sprintf("callers=%d", len(ids))})
			}
			return s.audit(tx, Audit{Action: AuditRetentionRun,
				Detail: fmt.Sprintf("cases=%d callers=%d calls=%d", rep.Cases, rep.Callers+len(ids), rep.Calls)})
		})
		if err != nil {
			return rep, err
		}
		rep.Callers += len(ids)
		if len(ids) < retentionBatch {
			break
		}
		after = ids[len(ids)-1]
	}
	rep.Checkpointed = s.checkpoint(ctx)
	return rep, nil
}

// eraseCases blanks the personal text of cases: their summaries, their calls' summaries and
// their timeline's notes, and marks them erased. The version moves on, so that an edit form
// loaded before the erasure cannot write the old summary back.
func eraseCases(tx *gorm.DB, ids []uint, now time.Time) error {
	if err := tx.Table("cases").Where("id IN ?", ids).
		Updates(map[string]any{"summary": "", "erased_at": now, "version": gorm.Expr("version + 1")}).Error; err != nil {
		return err
	}
	if err := tx.Table("contacts").Where("case_id IN ?", ids).Updates(map[string]any{"summary": "", "erased_at": now}).Error; err != nil {
		return err
	}
	return tx.Table("case_entries").Where("case_id IN ? AND note <> ''", ids).Update("note", "").Error
}

// eraseCallers blanks the callers' name, phone, phone index and safe-contact instructions
// and marks them erased; citizenship, language and the "safe to call" flag stay.
func eraseCallers(tx *gorm.DB, ids []uint, now time.Time) error {
	return tx.Table("callers").Where("id IN ?", ids).Updates(map[string]any{
		"name": "", "phone": "", "phone_index": "", "safe_contact": "", "erased_at": now}).Error
}

// checkpoint writes the WAL into the database file and truncates it, so that the pages as
// they were before an erasure are gone from the disk. It reports whether that completed: a
// long read elsewhere can hold it back (the next checkpoint then finishes the job).
func (s *Store) checkpoint(ctx context.Context) bool {
	var busy, logFrames, done int
	err := s.wdb(ctx).Raw("PRAGMA wal_checkpoint(TRUNCATE)").Row().Scan(&busy, &logFrames, &done)
	if err != nil {
		slog.Warn("checkpointing the WAL after erasing", "err", err)
		return false
	}
	return busy == 0
}

// Vacuum rebuilds the database file, leaving no free page behind. Databases written before
// secure_delete was turned on may hold old values in free pages; one vacuum clears them.
// It needs the database to itself for a while (seconds to minutes on a large one).
func (s *Store) Vacuum(ctx context.Context) error {
	if err := s.wdb(ctx).Exec("VACUUM").Error; err != nil {
		return err
	}
	s.checkpoint(ctx)
	return nil
}

// ForgetReason is why a supervisor erased a person. Only the code is stored in the audit
// log: a reason written out could itself name someone.
type ForgetReason struct {
	Code, Label string
}

// ForgetReasons are the reasons a person can be forgotten for.
var ForgetReasons = []ForgetReason{
	{"request_of_person", "The person asked us to erase their data"},
	{"safety_risk", "Keeping the data puts the person at risk"},
	{"data_error", "Recorded by mistake (wrong person, test, duplicate)"},
	{"other", "Another reason (discuss it with the team)"},
}

func validForgetReason(code string) bool {
	for _, r := range ForgetReasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

// CallerFootprint is what forgetting a caller would touch: their record, the cases they are
// linked to (SoleCase marks those no other caller is linked to), and their calls.
type CallerFootprint struct {
	Caller Caller
	Cases  []FootprintCase
	Calls  int64
	// SamePhone are other caller records with the same phone number: perhaps the same person
	// recorded twice, perhaps someone sharing the phone. Each is forgotten on its own, after
	// a supervisor has looked at it.
	SamePhone []Caller
}

// FootprintCase is one case of a caller's footprint.
type FootprintCase struct {
	Case Case
	// Sole says the caller is the only person on the case: its summary, calls and notes are
	// erased. On a case with other callers only this caller's calls are erased, and their
	// name and phone are blanked out of the rest of its text.
	Sole bool
}

// callerCases lists the ids of the cases a caller is linked to, as the case's caller or by a
// call, and which of them have no other caller.
func callerCases(tx *gorm.DB, id uint) (all, sole []uint, err error) {
	var rows []struct {
		ID   uint
		Sole bool
	}
	err = tx.Raw(`SELECT cases.id, (cases.caller_id IS NULL OR cases.caller_id = ?) AND NOT EXISTS
		(SELECT 1 FROM contacts ct WHERE ct.case_id = cases.id AND ct.caller_id IS NOT NULL AND ct.caller_id <> ?) AS sole
		FROM cases WHERE cases.caller_id = ? OR cases.id IN (SELECT case_id FROM contacts WHERE caller_id = ? AND case_id IS NOT NULL)
		ORDER BY cases.id`, id, id, id, id).Scan(&rows).Error
	for _, r := range rows {
		all = append(all, r.ID)
		if r.Sole {
			sole = append(sole, r.ID)
		}
	}
	return all, sole, err
}

// CallerFootprint shows a supervisor what forgetting caller id would erase.
func (s *Store) CallerFootprint(ctx context.Context, u *User, id uint) (*CallerFootprint, error) {
	if !u.Can(RoleSupervisor) {
		return nil, ErrForbidden
	}
	db := s.rdb(ctx)
	fp := &CallerFootprint{}
	if err := db.First(&fp.Caller, id).Error; err != nil {
		return nil, translate(err)
	}
	all, sole, err := callerCases(db, id)
	if err != nil {
		return nil, err
	}
	if len(all) > 0 {
		var cases []Case
		if err := db.Select("id, reference, status, category, received_at").Where("id IN ?", all).Order("received_at DESC, id DESC").Find(&cases).Error; err != nil {
			return nil, err
		}
		for _, c := range cases {
			fp.Cases = append(fp.Cases, FootprintCase{Case: c, Sole: inUints(sole, c.ID)})
		}
	}
	if fp.Caller.PhoneIndex != "" {
		err := db.Where("phone_index = ? AND id <> ?", fp.Caller.PhoneIndex, id).Order("id").Limit(50).Find(&fp.SamePhone).Error
		if err != nil {
			return nil, err
		}
	}
	if err := db.Model(&Contact{}).Where("caller_id = ?", id).Count(&fp.Calls).Error; err != nil {
		return nil, err
	}
	// The confirmation shows the person's name and phone, and those of others with the same
	// number: a read like any other.
	err = s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		return s.audit(tx, Audit{Actor: u, Action: AuditCallerView, Object: ObjectCaller, ObjectID: id, Detail: "forget"})
	})
	if err != nil {
		return nil, err
	}
	return fp, nil
}

// ForgetReport says what ForgetCaller erased.
type ForgetReport struct {
	// FirstCase is a case the person was on (0 if none), to go back to.
	FirstCase    uint
	Cases, Calls int
}

// ForgetCaller erases one person's personal data everywhere it is linked to them (a
// supervisor's decision, for one of ForgetReasons): their caller record; on the cases where
// they are the only caller, the summary, the calls and the notes; on cases shared with other
// callers, the summaries of their own calls, and their name and phone wherever the case's
// other text spells them; the summaries of their calls with no case. The counts stay the
// same (see the comment at the top of this file). The audit log records who, when, the
// reason code and how many cases and calls, and nothing else.
func (s *Store) ForgetCaller(ctx context.Context, u *User, id uint, reason string) (*ForgetReport, error) {
	if !u.Can(RoleSupervisor) {
		return nil, ErrForbidden
	}
	if !validForgetReason(reason) {
		return nil, &ValidationError{Fields: map[string]string{"reason": "v.choose_why_this_person_s"}}
	}
	rep := &ForgetReport{}
	now := s.now()
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		var c Caller
		if err := tx.First(&c, id).Error; err != nil {
			return translate(err)
		}
		all, sole, err := callerCases(tx, id)
		if err != nil {
			return err
		}
		if len(all) > 0 {
			rep.FirstCase = all[0]
		}
		var calls int64
		if err := tx.Model(&Contact{}).Where("caller_id = ?", id).Count(&calls).Error; err != nil {
			return err
		}
		rep.Cases, rep.Calls = len(all), int(calls)
		if len(sole) > 0 {
			if err := eraseCases(tx, sole, now); err != nil {
				return err
			}
		}
		if err := tx.Table("contacts").Where("caller_id = ?", id).Updates(map[string]any{"summary": "", "erased_at": now}).Error; err != nil {
			return err
		}
		redact := redactor(c.Name.String(), c.Phone.String())
		for _, cid := range all {
			if !inUints(sole, cid) {
				if err := redactCase(tx, cid, redact); err != nil {
					return err
				}
			}
		}
		if err := eraseCallers(tx, []uint{id}, now); err != nil {
			return err
		}
		return s.audit(tx, Audit{Actor: u, Action: AuditCallerForget, Object: ObjectCaller, ObjectID: id,
			Detail: fmt.Sprintf("reason=%s cases=%d calls=%d", reason, rep.Cases, rep.Calls)})
	})
	if err != nil {
		return nil, err
	}
	s.checkpoint(ctx)
	return rep, nil
}

// redactCase blanks a forgotten person's name and phone out of the text of a case they share
// with other callers: its summary, its calls' summaries and its notes.
func redactCase(tx *gorm.DB, caseID uint, redact func(string) string) error {
	var cs Case
	if err := tx.Select("id, summary").First(&cs, caseID).Error; err != nil {
		return err
	}
	if r := redact(cs.Summary.String()); r != cs.Summary.String() {
		err := tx.Model(&Case{}).Where("id = ?", caseID).
			Updates(map[string]any{"summary": Personal(r), "version": gorm.Expr("version + 1")}).Error
		if err != nil {
			return err
		}
	}
	var cts []Contact
	if err := tx.Select("id, summary").Where("case_id = ? AND summary <> ''", caseID).Find(&cts).Error; err != nil {
		return err
	}
	for _, ct := range cts {
		if r := redact(ct.Summary.String()); r != ct.Summary.String() {
			if err := tx.Model(&Contact{}).Where("id = ?", ct.ID).Update("summary", Personal(r)).Error; err != nil {
				return err
			}
		}
	}
	var es []CaseEntry
	if err := tx.Select("id, note").Where("case_id = ? AND note <> ''", caseID).Find(&es).Error; err != nil {
		return err
	}
	for _, e := range es {
		if r := redact(e.Note.String()); r != e.Note.String() {
			if err := tx.Model(&CaseEntry{}).Where("id = ?", e.ID).Update("note", Personal(r)).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// Redacted replaces a forgotten person's name or phone in text.
const Redacted = "[erased]"

// redactor returns a function that blanks out of a text the person's full name and each word
// of it of three letters or more, as whole words and ignoring case, and any spelling of their
// phone number (whatever its spaces, brackets and dashes, 8 or +7).
func redactor(name, phone string) func(string) string {
	var terms []string
	if n := strings.TrimSpace(name); utf8.RuneCountInString(n) >= 2 {
		terms = append(terms, n)
	}
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if utf8.RuneCountInString(w) >= 3 {
			terms = append(terms, w)
		}
	}
	sort.Slice(terms, func(i, j int) bool { return len(terms[i]) > len(terms[j]) })
	var names *regexp.Regexp
	if len(terms) > 0 {
		q := make([]string, len(terms))
		for i, t := range terms {
			q[i] = regexp.QuoteMeta(t)
		}
		names = regexp.MustCompile(`(?i)` + strings.Join(q, "|"))
	}
	number := NormalizePhone(phone)
	return func(text string) string {
		if number != "" {
			text = redactPhone(text, number)
		}
		if names == nil {
			return text
		}
		var b strings.Builder
		last := 0
		for _, m := range names.FindAllStringIndex(text, -1) {
			before, _ := utf8.DecodeLastRuneInString(text[:m[0]])
			after, _ := utf8.DecodeRuneInString(text[m[1]:])
			if isWordRune(before) || isWordRune(after) {
				continue // part of a longer word
			}
			b.WriteString(text[last:m[0]])
			b.WriteString(Redacted)
			last = m[1]
		}
		b.WriteString(text[last:])
		return b.String()
	}
}

// redactPhone blanks out every spelling of the normalised phone number in text: at each
// place a number can start, the longest run of digits and separators that normalises to it.
func redactPhone(text, number string) string {
	digit := func(i int) bool { return i >= 0 && i < len(text) && text[i] >= '0' && text[i] <= '9' }
	var b strings.Builder
	for i := 0; i < len(text); {
		if c := text[i]; (c == '+' || c == '(' || digit(i)) && !digit(i-1) {
			end := -1
			for j := i; j < len(text) && j-i < 32; j++ {
				if digit(j) {
					if !digit(j+1) && NormalizePhone(text[i:j+1]) == number {
						end = j + 1
					}
				} else if !strings.ContainsRune("+() .-\t", rune(text[j])) {
					break
				}
			}
			if end > 0 {
				b.WriteString(Redacted)
				i = end
				continue
			}
		}
		b.WriteByte(text[i])
		i++
	}
	return b.String()
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func inUints(list []uint, v uint) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
