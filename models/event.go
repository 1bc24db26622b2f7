package models

import (
	"context"
	"strings"
	"time"
)

// Event is a named happening that many calls are about, e.g. "Raid at Viktoria market".
type Event struct {
	ID        uint      `json:"id"`
	Name      string    `json:"name"`
	StartsOn  time.Time `json:"starts_on"`
	Region    string    `json:"region"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"-"`
}

// ListEvents lists the named events, newest first; active only when activeOnly.
func (s *Store) ListEvents(ctx context.Context, activeOnly bool) ([]Event, error) {
	var evs []Event
	q := s.rdb(ctx).Order("starts_on DESC, id DESC")
	if activeOnly {
		q = q.Where("active = ?", true)
	}
	err := q.Find(&evs).Error
	return evs, err
}

// EventInput names a happening that many calls are about.
type EventInput struct {
	Name     string `json:"name"`
	StartsOn string `json:"starts_on"` // YYYY-MM-DD
	Region   string `json:"region"`
}

// CreateEvent adds an event (supervisors). Its name is public-facing text such as
// "Raid at Viktoria market, 14 Nov 2011": it must not name a caller.
func (s *Store) CreateEvent(ctx context.Context, u *User, in EventInput) (*Event, error) {
	if !u.Can(RoleSupervisor) {
		return nil, ErrForbidden
	}
	tax, err := s.Taxonomy(ctx)
	if err != nil {
		return nil, err
	}
	fe := fieldErrors{}
	name := textField(fe, "name", in.Name, maxName)
	if name == "" {
		fe.add("name", "v.name_event")
	}
	day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(in.StartsOn), s.Loc)
	if err != nil {
		fe.add("starts_on", "v.use_day_like_2024_03")
	}
	region := termField(fe, tax, KindRegion, "region", strings.ToUpper(in.Region), "")
	if err := fe.err(); err != nil {
		return nil, err
	}
	ev := &Event{Name: name, StartsOn: day.UTC(), Region: region, Active: true}
	return ev, s.wdb(ctx).Create(ev).Error
}

// SetEventActive offers or withdraws an event in the intake form (supervisors).
func (s *Store) SetEventActive(ctx context.Context, u *User, id uint, active bool) error {
	if !u.Can(RoleSupervisor) {
		return ErrForbidden
	}
	res := s.wdb(ctx).Model(&Event{}).Where("id = ?", id).Update("active", active)
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrNotFound
	}
	return res.Error
}
