package models

import "context"

// CaseReference returns the reference of case id and whether u may open it. The intake page
// uses it to name the case a call was attached to when that case is a colleague's: the
// caseworker saw the reference in the caller lookup, and learns nothing else of the case.
func (s *Store) CaseReference(ctx context.Context, u *User, id uint) (string, bool, error) {
	var cs Case
	err := s.rdb(ctx).Select("id", "reference", "assignee_id", "restricted").Scopes(notHidden(u)).Preload("Shares").
		First(&cs, id).Error
	if err != nil {
		return "", false, translate(err) // a case restricted away from u is not found
	}
	return cs.Reference, canSee(u, &cs), nil
}
