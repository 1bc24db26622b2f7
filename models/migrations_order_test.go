package models

import "testing"

// TestMigrationsInOrder: the list is in ascending order, so that LatestSchema is the newest.
func TestMigrationsInOrder(t *testing.T) {
	for i := 1; i < len(migrations); i++ {
		if migrations[i].ID <= migrations[i-1].ID {
			t.Errorf("migration %d comes after %d", migrations[i].ID, migrations[i-1].ID)
		}
	}
}
