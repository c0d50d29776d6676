package service_test

import (
	"context"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/store"
)

func mustUsers(t *testing.T, st store.Reader, account string) []domain.User {
	t.Helper()
	var all []domain.User
	after := ""
	for {
		us, err := st.ListUsers(context.Background(), account, store.UserFilter{After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(us) == 0 {
			return all
		}
		all = append(all, us...)
		after = us[len(us)-1].ID
	}
}
