package models

import (
	"fmt"
	"time"
)

// Urgency is how fast a case needs someone.
type Urgency string

// The urgencies, most urgent first.
const (
	UrgencyCritical Urgency = "critical" // in custody now, appeal deadline running, risk of abduction
	UrgencyHigh     Urgency = "high"
	UrgencyNormal   Urgency = "normal"
)

// Urgencies lists the urgencies, most urgent first.
var Urgencies = []Urgency{UrgencyCritical, UrgencyHigh, UrgencyNormal}

// Valid reports whether u is one of Urgencies.
func (u Urgency) Valid() bool {
	return u == UrgencyCritical || u == UrgencyHigh || u == UrgencyNormal
}

// Documents that police and others confiscate, tear, destroy or withhold.
var (
	DocumentKinds    = []string{"work_permit", "passport", "registration", "migration_card", "residence_permit", "other"}
	DocumentStatuses = []string{"confiscated", "torn", "destroyed", "withheld"}
)

// Caller is a person who called or on whose behalf someone called.
type Caller struct {
	ID          uint      `json:"id"`
	Name        Personal  `json:"name"`
	Phone       Personal  `json:"phone"`
	PhoneIndex  string    `json:"-"`
	Citizenship string    `json:"citizenship"`
	Language    string    `json:"language"`
	SafeToCall  bool      `json:"safe_to_call"`
	SafeContact Personal  `json:"safe_contact"` // how to reach them safely, e.g. "only WhatsApp, after 8 pm"
	CreatedAt   time.Time `json:"-"`
	UpdatedAt   time.Time `json:"-"`
	// ErasedAt is when retention or "forget this person" erased the personal fields.
	ErasedAt *time.Time `json:"erased_at,omitempty"`
}

// Contact is one call or message. Reports count calls from contacts, with or without a case.
type Contact struct {
	ID         uint      `json:"id"`
	CaseID     *uint     `json:"case_id"`
	CallerID   *uint     `json:"-"`
	Caller     *Caller   `json:"caller"`
	Channel    string    `json:"channel"`
	ReceivedAt time.Time `json:"received_at"`
	TakenByID  uint      `json:"-"`
	TakenBy    *User     `json:"-"`
	Category   string    `json:"category"`
	Summary    Personal  `json:"summary"`
	CreatedAt  time.Time `json:"-"`
	// ErasedAt is when the summary was erased (retention or "forget this person").
	ErasedAt *time.Time `json:"-"`
}

// Case is a matter the hotline works on until it is resolved and closed.
type Case struct {
	ID             uint
	Reference      string
	Status         Status
	Version        int
	Category       string
	Categories     []CaseCategory
	Summary        Personal
	Region         string
	City           string
	PlaceType      string
	Perpetrator    string
	PeopleAffected int
	IncidentAt     *time.Time
	Urgency        Urgency
	AssigneeID     *uint
	Assignee       *User
	Outcome        string
	EventID        *uint
	Event          *Event
	CallerID       *uint
	Caller         *Caller
	OpenedByID     uint
	ReceivedAt     time.Time
	AssignedAt     *time.Time
	ResolvedAt     *time.Time
	ClosedAt       *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// ErasedAt is when the personal text of the case was erased (retention or "forget this
	// person"); the other fields, which the reports count, are kept.
	ErasedAt *time.Time
	// Restricted cases are seen only by their assignee, the people they are shared with, and
	// supervisors (see canSee).
	Restricted bool
	Shares     []CaseShare
	Documents  []CaseDocument
	Contacts   []Contact   `gorm:"-"`
	Entries    []CaseEntry `gorm:"-"`
}

// URL is the case's page.
func (c *Case) URL() string { return fmt.Sprintf("/cases/%d", c.ID) }

// CategoryCodes lists the case's categories, the primary one first.
func (c *Case) CategoryCodes() []string {
	out := []string{c.Category}
	for _, x := range c.Categories {
		if x.Code != c.Category {
			out = append(out, x.Code)
		}
	}
	return out
}

// CaseCategory links a case to each of its categories, the primary one included.
type CaseCategory struct {
	CaseID uint   `gorm:"primaryKey;autoIncrement:false"`
	Code   string `gorm:"primaryKey"`
}

// CaseDocument records what happened to one of the person's documents.
type CaseDocument struct {
	ID       uint   `json:"-"`
	CaseID   uint   `json:"-"`
	Document string `json:"document"`
	Status   string `json:"status"`
}

// Kinds of timeline entries.
const (
	EntryOpened = "opened"
	EntryStatus = "status"
	EntryAssign = "assign"
	EntryNote   = "note"
	EntryEdit   = "edit"
)

// CaseEntry is one step of a case's history: who, when, what and why.
type CaseEntry struct {
	ID         uint
	CaseID     uint
	Kind       string
	FromStatus Status
	ToStatus   Status
	Outcome    string
	Note       Personal
	Fields     string // names of the fields an edit changed; never their values
	AssigneeID *uint
	Assignee   *User
	UserID     uint
	User       *User
	At         time.Time
}

// Event is a named happening that many calls are about, e.g. "Raid at Viktoria market".
type Event struct {
	ID        uint      `json:"id"`
	Name      string    `json:"name"`
	StartsOn  time.Time `json:"starts_on"`
	Region    string    `json:"region"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"-"`
}

// ReferenceCounter hands out the sequence numbers of case references, per year.
type ReferenceCounter struct {
	Year int `gorm:"primaryKey;autoIncrement:false"`
	Last int
}
