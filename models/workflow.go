package models

// Status is where a case stands in the workflow.
type Status string

// The statuses of a case, in workflow order.
const (
	StatusNew        Status = "new"
	StatusAssigned   Status = "assigned"
	StatusInProgress Status = "in_progress"
	StatusWaiting    Status = "waiting"
	StatusEscalated  Status = "escalated"
	StatusResolved   Status = "resolved"
	StatusClosed     Status = "closed"
)

// Statuses lists every status in workflow order.
var Statuses = []Status{StatusNew, StatusAssigned, StatusInProgress, StatusWaiting, StatusEscalated, StatusResolved, StatusClosed}

// Open reports whether a case in this status still needs work.
func (s Status) Open() bool { return s != StatusResolved && s != StatusClosed }

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// Label is the status as people read it.
func (s Status) Label() string {
	switch s {
	case StatusInProgress:
		return "in progress"
	default:
		return string(s)
	}
}

// Guard names what a move needs besides the right role.
type Guard uint8

// The guards a workflow rule can carry.
const (
	// NeedsAssignee: the case must have an assignee after the move.
	NeedsAssignee Guard = 1 << iota
	// NeedsNote: the move must say why.
	NeedsNote
	// NeedsOutcome: the move must record how the case ended.
	NeedsOutcome
)

// Rule is one allowed move of the workflow.
type Rule struct {
	From, To Status
	// MinRole is the lowest role on cases that may make the move (User.Can). A caseworker may
	// only move cases assigned to them, and may only assign an unassigned case to themselves;
	// a case shared with them they may read and add to, not move.
	MinRole Role
	Needs   Guard
}

// Workflow is the table of allowed moves. It is the only statement of the rules: the pages,
// the API and the checks in Transition all read it.
var Workflow = []Rule{
	{StatusNew, StatusAssigned, RoleCaseworker, NeedsAssignee},
	{StatusNew, StatusClosed, RoleSupervisor, NeedsNote},
	{StatusAssigned, StatusInProgress, RoleCaseworker, 0},
	{StatusInProgress, StatusWaiting, RoleCaseworker, 0},
	{StatusInProgress, StatusEscalated, RoleCaseworker, NeedsNote},
	{StatusInProgress, StatusResolved, RoleCaseworker, NeedsOutcome},
	{StatusWaiting, StatusInProgress, RoleCaseworker, 0},
	{StatusWaiting, StatusResolved, RoleCaseworker, NeedsOutcome},
	{StatusEscalated, StatusInProgress, RoleCaseworker, 0},
	{StatusEscalated, StatusResolved, RoleCaseworker, NeedsOutcome},
	{StatusResolved, StatusClosed, RoleSupervisor, 0},
	{StatusResolved, StatusInProgress, RoleCaseworker, 0},
	{StatusClosed, StatusInProgress, RoleSupervisor, NeedsAssignee},
}

// rule finds the move from -> to, if the table has it.
func rule(from, to Status) (Rule, bool) {
	for _, r := range Workflow {
		if r.From == from && r.To == to {
			return r, true
		}
	}
	return Rule{}, false
}

// TransitionMap is the workflow as status -> statuses it can move to, for the API.
func TransitionMap() map[Status][]Status {
	m := make(map[Status][]Status, len(Statuses))
	for _, s := range Statuses {
		m[s] = []Status{}
	}
	for _, r := range Workflow {
		m[r.From] = append(m[r.From], r.To)
	}
	return m
}

// mayMove says whether user u may make move r on case c, leaving the guards aside. Only
// someone who may see the case may move it; an account that does not work on cases (an admin
// only) never may.
func mayMove(u *User, c *Case, r Rule) bool {
	if !u.Can(r.MinRole) || !canSee(u, c) {
		return false
	}
	if u.Can(RoleSupervisor) {
		return true
	}
	if r.From == StatusNew && r.To == StatusAssigned {
		return c.AssigneeID == nil // a caseworker takes an unassigned case for themselves
	}
	return c.AssigneeID != nil && *c.AssigneeID == u.ID
}

// MovesFor lists the moves user u may make on case c from its current status: what the page
// shows as buttons.
func MovesFor(u *User, c *Case) []Rule {
	var out []Rule
	for _, r := range Workflow {
		if r.From == c.Status && mayMove(u, c, r) {
			out = append(out, r)
		}
	}
	return out
}

// checkMove decides whether u may move c to in.To with what in carries. It returns a
// *TransitionError for a move the table lacks, ErrForbidden for a move the user may not make,
// and a *ValidationError for a guard that is not met. assignee is the user the move assigns,
// if any.
func checkMove(u *User, c *Case, in TransitionInput, assignee *User) (Rule, error) {
	to := Status(in.To)
	if !to.Valid() {
		return Rule{}, &ValidationError{Fields: map[string]string{"to": "v.unknown_status"}}
	}
	r, ok := rule(c.Status, to)
	if !ok {
		return Rule{}, &TransitionError{From: c.Status, To: to}
	}
	if !mayMove(u, c, r) {
		return Rule{}, ErrForbidden
	}
	fe := fieldErrors{}
	if r.Needs&NeedsAssignee != 0 && assignee == nil && c.AssigneeID == nil {
		fe.add("assignee", "v.choose_who_will_work_on")
	}
	if r.Needs&NeedsNote != 0 && in.Note == "" {
		fe.add("note", "v.say_why")
	}
	if r.Needs&NeedsOutcome != 0 && in.Outcome == "" {
		fe.add("outcome", "v.choose_outcome")
	}
	if assignee != nil && !u.Can(RoleSupervisor) && assignee.ID != u.ID {
		return Rule{}, ErrForbidden // a caseworker assigns only to themselves
	}
	return r, fe.err()
}
