package models

import "time"

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
