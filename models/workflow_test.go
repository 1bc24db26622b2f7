package models

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// expectedMoves is the workflow, written out independently of the Workflow table:
// from -> to -> lowest role, and what the move needs.
var expectedMoves = map[Status]map[Status]struct {
	min   Role
	needs Guard
}{
	StatusNew:        {StatusAssigned: {RoleCaseworker, NeedsAssignee}, StatusClosed: {RoleSupervisor, NeedsNote}},
	StatusAssigned:   {StatusInProgress: {RoleCaseworker, 0}},
	StatusInProgress: {StatusWaiting: {RoleCaseworker, 0}, StatusEscalated: {RoleCaseworker, NeedsNote}, StatusResolved: {RoleCaseworker, NeedsOutcome}},
	StatusWaiting:    {StatusInProgress: {RoleCaseworker, 0}, StatusResolved: {RoleCaseworker, NeedsOutcome}},
	StatusEscalated:  {StatusInProgress: {RoleCaseworker, 0}, StatusResolved: {RoleCaseworker, NeedsOutcome}},
	StatusResolved:   {StatusClosed: {RoleSupervisor, 0}, StatusInProgress: {RoleCaseworker, 0}},
	StatusClosed:     {StatusInProgress: {RoleSupervisor, 0}},
}

// setStatus puts a case straight into a status, assigned to assignee (nil: unassigned).
func setStatus(t *testing.T, s *Store, id uint, st Status, assignee *User) {
	t.Helper()
	var a any
	if assignee != nil {
		a = assignee.ID
	}
	if err := s.db.Model(&Case{}).Where("id = ?", id).Updates(map[string]any{"status": st, "assignee_id": a, "outcome": ""}).Error; err != nil {
		t.Fatal(err)
	}
}

func countEntries(t *testing.T, s *Store, id uint) int64 {
	var n int64
	if err := s.db.Model(&CaseEntry{}).Where("case_id = ?", id).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWorkflowEveryPairEveryRole tries every move between two statuses by every kind of
// user, with every guard met, against the expected table.
func TestWorkflowEveryPairEveryRole(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	other := mkUser(t, s, "other@example.org", RoleCaseworker)
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	adm := mkUser(t, s, "adm@example.org", RoleAdmin)
	admOnly := mkUser(t, s, "admonly@example.org", RoleAdminOnly)
	cs := mkCase(t, s, cw)
	actors := []struct {
		name string
		u    *User
		// assigned: whether the case is assigned to this actor before the move
		assigned bool
	}{
		{"assigned caseworker", cw, true},
		{"other caseworker", other, false},
		{"supervisor", sup, false},
		{"admin", adm, false},
		{"admin only", admOnly, false},
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			for _, a := range actors {
				t.Run(fmt.Sprintf("%s->%s by %s", from, to, a.name), func(t *testing.T) {
					// A new case is unassigned; every other status has cw as assignee.
					var assignee *User
					if from != StatusNew {
						assignee = cw
					}
					setStatus(t, s, cs.ID, from, assignee)
					before := countEntries(t, s, cs.ID)
					in := TransitionInput{To: string(to), Note: "because", Outcome: "released", AssigneeID: a.u.ID}
					if from != StatusNew {
						in.AssigneeID = 0
					}
					_, err := s.Transition(ctx, a.u, cs.ID, in)
					exp, inTable := expectedMoves[from][to]
					mayAct := a.u.Can(exp.min)
					if !a.u.Can(RoleSupervisor) {
						// A caseworker acts on their own cases, or takes an unassigned one.
						mayAct = mayAct && (from == StatusNew || a.assigned)
					}
					switch {
					case !a.u.WorksOnCases():
						// An admin who is not a supervisor opens no case, not even a new one.
						if !errors.Is(err, ErrNotFound) {
							t.Fatalf("got %v, want ErrNotFound", err)
						}
					case assignee != nil && !a.assigned && !a.u.Can(RoleSupervisor):
						// Another caseworker's case is invisible to them: need-to-see.
						if !errors.Is(err, ErrNotFound) {
							t.Fatalf("got %v, want ErrNotFound", err)
						}
					case !inTable:
						var te *TransitionError
						if !errors.As(err, &te) || !errors.Is(err, ErrInvalidTransition) {
							t.Fatalf("got %v, want a TransitionError", err)
						}
					case !mayAct:
						if !errors.Is(err, ErrForbidden) {
							t.Fatalf("got %v, want ErrForbidden", err)
						}
					default:
						if err != nil {
							t.Fatalf("allowed move refused: %v", err)
						}
						got, _ := s.GetCase(ctx, sup, cs.ID)
						if got.Status != to {
							t.Fatalf("status %s, want %s", got.Status, to)
						}
						last := got.Entries[len(got.Entries)-1]
						if last.FromStatus != from || last.ToStatus != to || last.UserID != a.u.ID || last.Note != "because" || last.At.IsZero() {
							t.Fatalf("history entry %+v", last)
						}
						return
					}
					if after := countEntries(t, s, cs.ID); after != before {
						t.Fatalf("a refused move wrote %d entries", after-before)
					}
					got, _ := s.GetCase(ctx, sup, cs.ID)
					if got.Status != from {
						t.Fatalf("a refused move changed the status to %s", got.Status)
					}
				})
			}
		}
	}
}

// TestWorkflowTableMatchesExpectation: the table has exactly the expected moves.
func TestWorkflowTableMatchesExpectation(t *testing.T) {
	n := 0
	for _, r := range Workflow {
		exp, ok := expectedMoves[r.From][r.To]
		if !ok {
			t.Errorf("unexpected move %s -> %s", r.From, r.To)
			continue
		}
		if r.MinRole != exp.min || r.Needs&^NeedsAssignee != exp.needs&^NeedsAssignee {
			t.Errorf("%s -> %s: role %s needs %b, want %s %b", r.From, r.To, r.MinRole, r.Needs, exp.min, exp.needs)
		}
		n++
	}
	want := 0
	for _, m := range expectedMoves {
		want += len(m)
	}
	if n != want {
		t.Errorf("table has %d moves, want %d", n, want)
	}
}

// TestWorkflowGuards leaves out, in turn, what each guarded move needs.
func TestWorkflowGuards(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	cs := mkCase(t, s, cw)
	for _, tc := range []struct {
		from     Status
		assignee *User
		in       TransitionInput
		field    string
	}{
		{StatusNew, nil, TransitionInput{To: "assigned"}, "assignee"},
		{StatusNew, nil, TransitionInput{To: "closed"}, "note"},
		{StatusNew, nil, TransitionInput{To: "closed", Note: "   "}, "note"},
		{StatusInProgress, cw, TransitionInput{To: "escalated"}, "note"},
		{StatusInProgress, cw, TransitionInput{To: "resolved"}, "outcome"},
		{StatusWaiting, cw, TransitionInput{To: "resolved"}, "outcome"},
		{StatusEscalated, cw, TransitionInput{To: "resolved"}, "outcome"},
		{StatusInProgress, cw, TransitionInput{To: "resolved", Outcome: "teleported"}, "outcome"},
		{StatusClosed, nil, TransitionInput{To: "in_progress"}, "assignee"},
		{StatusNew, nil, TransitionInput{To: "assigned", AssigneeEmail: "nobody@example.org"}, "assignee"},
		{StatusInProgress, cw, TransitionInput{To: "nowhere"}, "to"},
	} {
		t.Run(fmt.Sprintf("%s->%s without %s", tc.from, tc.in.To, tc.field), func(t *testing.T) {
			setStatus(t, s, cs.ID, tc.from, tc.assignee)
			before := countEntries(t, s, cs.ID)
			_, err := s.Transition(ctx, sup, cs.ID, tc.in)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
				t.Fatalf("got %v, want a ValidationError on %s", err, tc.field)
			}
			if countEntries(t, s, cs.ID) != before {
				t.Fatal("a refused move wrote history")
			}
		})
	}
	// A caseworker may take an unassigned case for themselves only.
	setStatus(t, s, cs.ID, StatusNew, nil)
	if _, err := s.Transition(ctx, cw, cs.ID, TransitionInput{To: "assigned", AssigneeID: sup.ID}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("caseworker assigns to someone else: %v", err)
	}
	got, err := s.Transition(ctx, cw, cs.ID, TransitionInput{To: "assigned", AssigneeEmail: "CW@example.org"})
	if err != nil || got.AssigneeID == nil || *got.AssigneeID != cw.ID || got.AssignedAt == nil {
		t.Fatalf("caseworker takes a case: %v %+v", err, got)
	}
	// Resolving records the outcome; reopening clears it.
	setStatus(t, s, cs.ID, StatusInProgress, cw)
	got, err = s.Transition(ctx, cw, cs.ID, TransitionInput{To: "resolved", Outcome: "released"})
	if err != nil || got.Outcome != "released" || got.ResolvedAt == nil {
		t.Fatalf("resolve: %v %+v", err, got)
	}
	got, err = s.Transition(ctx, cw, cs.ID, TransitionInput{To: "in_progress", Note: "detained again"})
	if err != nil || got.Outcome != "" || got.ResolvedAt != nil {
		t.Fatalf("reopen: %v %+v", err, got)
	}
}

func TestTransitionStaleVersion(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	cs := mkCase(t, s, cw)
	if _, err := s.Transition(ctx, cw, cs.ID, TransitionInput{Version: cs.Version, To: "assigned", AssigneeID: cw.ID}); err != nil {
		t.Fatal(err)
	}
	// A second move based on the version loaded before the first is refused.
	if _, err := s.Transition(ctx, cw, cs.ID, TransitionInput{Version: cs.Version, To: "in_progress"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale move: %v, want ErrConflict", err)
	}
}

func TestMovesFor(t *testing.T) {
	s := openTest(t)
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	other := mkUser(t, s, "other@example.org", RoleCaseworker)
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	tos := func(u *User, c *Case) string {
		var out []string
		for _, r := range MovesFor(u, c) {
			out = append(out, string(r.To))
		}
		return fmt.Sprint(out)
	}
	unassigned := &Case{Status: StatusNew}
	if got := tos(cw, unassigned); got != "[assigned]" {
		t.Errorf("caseworker on a new case: %s", got)
	}
	// A restricted case in the queue is not the caseworker's to see, and so not to take.
	if got := tos(cw, &Case{Status: StatusNew, Restricted: true}); got != "[]" {
		t.Errorf("caseworker on a restricted new case: %s", got)
	}
	if got := tos(sup, unassigned); got != "[assigned closed]" {
		t.Errorf("supervisor on a new case: %s", got)
	}
	mine := &Case{Status: StatusInProgress, AssigneeID: &cw.ID}
	if got := tos(cw, mine); got != "[waiting escalated resolved]" {
		t.Errorf("caseworker on their case: %s", got)
	}
	if got := tos(other, mine); got != "[]" {
		t.Errorf("caseworker on someone else's case: %s", got)
	}
	resolved := &Case{Status: StatusResolved, AssigneeID: &cw.ID}
	if got := tos(cw, resolved); got != "[in_progress]" {
		t.Errorf("caseworker on a resolved case: %s", got)
	}
	if got := tos(sup, resolved); got != "[closed in_progress]" {
		t.Errorf("supervisor on a resolved case: %s", got)
	}
}

// TestCaseworkerMovesOnlyCasesAssignedToThem: seeing a case is not enough to move it. A
// caseworker a colleague's case is shared with, or who sees an unassigned case that is past
// new, may make none of its moves; its assignee (or, unassigned, a supervisor) may, so that
// each refusal below is the caseworker's and not the table's.
func TestCaseworkerMovesOnlyCasesAssignedToThem(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	other := mkUser(t, s, "other@example.org", RoleCaseworker)
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	shared := mkCase(t, s, sup)
	if err := s.ShareCase(ctx, sup, shared.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	unassigned := mkCase(t, s, sup)
	tried := 0
	for _, r := range Workflow {
		if r.From == StatusNew || !RoleCaseworker.AtLeast(r.MinRole) {
			continue // new cases are taken from the queue; supervisors' moves are refused by role
		}
		in := TransitionInput{To: string(r.To), Note: "because", Outcome: "released"}
		for _, tc := range []struct {
			name     string
			id       uint
			assignee *User
			may      *User // who may make the move instead
		}{
			{"a colleague's case shared with them", shared.ID, cw, cw},
			{"an unassigned case", unassigned.ID, nil, sup},
		} {
			t.Run(fmt.Sprintf("%s->%s on %s", r.From, r.To, tc.name), func(t *testing.T) {
				setStatus(t, s, tc.id, r.From, tc.assignee)
				cs, err := s.GetCase(ctx, other, tc.id)
				if err != nil {
					t.Fatalf("the caseworker cannot see the case: %v", err)
				}
				if moves := MovesFor(other, cs); len(moves) != 0 {
					t.Errorf("offered %v", moves)
				}
				before := countEntries(t, s, tc.id)
				if _, err := s.Transition(ctx, other, tc.id, in); !errors.Is(err, ErrForbidden) {
					t.Fatalf("got %v, want ErrForbidden", err)
				}
				if n := countEntries(t, s, tc.id); n != before {
					t.Fatalf("a refused move wrote %d entries", n-before)
				}
				if got, _ := s.GetCase(ctx, sup, tc.id); got.Status != r.From {
					t.Fatalf("a refused move changed the status to %s", got.Status)
				}
				if _, err := s.Transition(ctx, tc.may, tc.id, in); err != nil {
					t.Fatalf("%s may not make the move either: %v", tc.may.Email, err)
				}
				tried++
			})
		}
	}
	if tried == 0 {
		t.Fatal("no move was tried")
	}
}

// TestCaseworkerTakesANewCaseOnlyByAssigning: the one move a caseworker may make on a case
// nobody is assigned to is taking it (new -> assigned). Were the table to give caseworkers
// another move from new, they would still need the case to be theirs to make it.
func TestCaseworkerTakesANewCaseOnlyByAssigning(t *testing.T) {
	saved := Workflow
	t.Cleanup(func() { Workflow = saved })
	Workflow = append(append([]Rule(nil), saved...), Rule{StatusNew, StatusInProgress, RoleCaseworker, 0})
	cw := &User{ID: 7, Role: RoleCaseworker}
	var got []Status
	for _, r := range MovesFor(cw, &Case{Status: StatusNew}) {
		got = append(got, r.To)
	}
	if fmt.Sprint(got) != "[assigned]" {
		t.Errorf("a caseworker on an unassigned new case may: %v", got)
	}
	mine := &Case{Status: StatusNew, AssigneeID: &cw.ID}
	if !mayMove(cw, mine, Rule{StatusNew, StatusInProgress, RoleCaseworker, 0}) {
		t.Error("the table's new move is refused on the caseworker's own case")
	}
}
