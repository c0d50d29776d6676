package storetest

import (
	"sort"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/store"
)

var userCases = []testCase{
	{"a created user reads back with roles in canonical order, access and fields", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		want := domain.User{
			ID: "u1", AccountID: "acc", Username: "alice", Email: "Alice@Example.com", DisplayName: "Alice Liddell",
			Status: domain.StatusActive,
			Roles:  []string{"library_viewer", "owner", "admin"},
			Access: []string{domain.AppCapture, domain.AppPortal},
			Fields: map[string]string{"dept": "Maths", "note": "two\nlines, ünïcode"},
		}
		now := f.createAt(want)
		want.Roles = []string{"owner", "admin", "library_viewer"}
		want.CreatedAt, want.UpdatedAt = now, now
		got, err := f.s.GetUser(f.ctx, "u1")
		f.must(err)
		diff(t, "user", want, got)
	}},
	{"a user without roles, access or fields reads back with none", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		want := domain.User{ID: "u1", AccountID: "acc", Username: "u1", Email: "u1@example.com", Status: domain.StatusPending}
		now := f.createAt(want)
		want.CreatedAt, want.UpdatedAt = now, now
		got, err := f.s.GetUser(f.ctx, "u1")
		f.must(err)
		diff(t, "user", want, got)
	}},
	{"GetUserByUsername finds a user in its own account only", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"), user("acc", "alice"))
		got, err := f.s.GetUserByUsername(f.ctx, "acc", "alice")
		f.must(err)
		if got.ID != "alice" {
			t.Errorf("GetUserByUsername(acc, alice) = %s", got.ID)
		}
		_, err = f.s.GetUserByUsername(f.ctx, "acc2", "alice")
		wantNotFound(t, "GetUserByUsername in another account", err)
		_, err = f.s.GetUserByUsername(f.ctx, "acc", "bob")
		wantNotFound(t, "GetUserByUsername of an unknown username", err)
	}},
	{"FindLogin matches usernames and emails case-insensitively in every account", testFindLogin},
	{"ListUsers filters by status", testListUsersStatus},
	{"ListUsers matches the query in username, email or display name, ignoring case and taking wildcards literally", testListUsersQuery},
	{"ListUsers pages through an account's users with After and Limit", testListUsersPaging},
	{"a username, email or id already used in the account is a conflict, but other accounts may reuse them", testUserUniqueness},
	{"UpdateUser stores everything but the username", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		orig := domain.User{ID: "u1", AccountID: "acc", Username: "alice", Email: "alice@example.com", DisplayName: "Alice",
			Status: domain.StatusPending, Roles: []string{"owner"}, Access: []string{domain.AppPortal}, Fields: map[string]string{"a": "1"}}
		created := f.createAt(orig)
		upd := domain.User{ID: "u1", AccountID: "acc", Username: "mallory", Email: "Alice.L@example.org", DisplayName: "Alice L.",
			Status: domain.StatusActive, Roles: []string{"finance", "developer"}, Access: []string{domain.AppConnect}, Fields: map[string]string{"b": "2"}}
		var updated = created
		f.update(func(tx store.Tx) error { updated = tx.Now(); return tx.UpdateUser(f.ctx, upd) })
		want := upd
		want.Username = "alice"
		want.Roles = []string{"developer", "finance"}
		want.CreatedAt, want.UpdatedAt = created, updated
		got, err := f.s.GetUser(f.ctx, "u1")
		f.must(err)
		diff(t, "updated user", want, got)
		_, err = f.s.GetUserByUsername(f.ctx, "acc", "mallory")
		wantNotFound(t, "GetUserByUsername of the username UpdateUser was given", err)
		creds, err := f.s.FindLogin(f.ctx, "alice.l@example.org")
		f.must(err)
		if len(creds) != 1 || creds[0].UserID != "u1" {
			t.Errorf("FindLogin of the new email = %+v, want u1", creds)
		}
		creds, err = f.s.FindLogin(f.ctx, "alice@example.com")
		f.must(err)
		for _, c := range creds {
			if c.UserID == "u1" {
				t.Errorf("FindLogin still finds u1 by its old email")
			}
		}
	}},
	{"updating a user to an email another user of the account has is a conflict", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"), user("acc", "u2"))
		u2 := user("acc", "u2")
		u2.Email = "U1@example.com"
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.UpdateUser(f.ctx, u2) })
		wantConflict(t, "UpdateUser to a taken email", err)
		got, err := f.s.GetUser(f.ctx, "u2")
		f.must(err)
		if got.Email != "u2@example.com" {
			t.Errorf("after the conflict u2's email is %q", got.Email)
		}
	}},
	{"SetPassword replaces the hash FindLogin returns", func(t *testing.T, f *fixture) {
		f.create(account("acc"), user("acc", "u1"))
		f.update(func(tx store.Tx) error { return tx.SetPassword(f.ctx, "u1", "new-hash") })
		creds, err := f.s.FindLogin(f.ctx, "u1")
		f.must(err)
		diff(t, "credentials", []store.Credentials{{UserID: "u1", AccountID: "acc", Status: domain.StatusActive, PasswordHash: "new-hash"}}, creds)
	}},
	{"CountUsers counts an account's users, all or by status", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"),
			user("acc", "u1"), user("acc", "u2"), withStatus(user("acc", "u3"), domain.StatusPending),
			withStatus(user("acc", "u4"), domain.StatusBanned), user("acc2", "u5"))
		for _, c := range []struct {
			acct   string
			status domain.Status
			want   int
		}{
			{"acc", "", 4},
			{"acc", domain.StatusActive, 2},
			{"acc", domain.StatusPending, 1},
			{"acc", domain.StatusBanned, 1},
			{"acc", domain.StatusDeactivated, 0},
			{"acc2", "", 1},
			{"nobody", "", 0},
		} {
			n, err := f.s.CountUsers(f.ctx, c.acct, c.status)
			f.must(err)
			if n != c.want {
				t.Errorf("CountUsers(%s, %q) = %d, want %d", c.acct, c.status, n, c.want)
			}
		}
	}},
	{"CountActiveOwners counts only the account's active users holding the owner role", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("acc2"),
			withRoles(user("acc", "u1"), "owner"),
			withRoles(user("acc", "u2"), "admin", "owner"),
			withRoles(withStatus(user("acc", "u3"), domain.StatusPending), "owner"),
			withRoles(user("acc", "u4"), "admin"),
			withRoles(withStatus(user("acc", "u5"), domain.StatusDeactivated), "owner"),
			withRoles(user("acc2", "u6"), "owner"),
			user("acc", "u7"))
		count := func(acct string, want int) {
			t.Helper()
			n, err := f.s.CountActiveOwners(f.ctx, acct)
			f.must(err)
			if n != want {
				t.Errorf("CountActiveOwners(%s) = %d, want %d", acct, n, want)
			}
		}
		count("acc", 2)
		count("acc2", 1)
		f.update(func(tx store.Tx) error {
			return tx.UpdateUser(f.ctx, withRoles(user("acc", "u3"), "owner"))
		})
		count("acc", 3)
		f.update(func(tx store.Tx) error {
			return tx.UpdateUser(f.ctx, withRoles(user("acc", "u1"), "admin"))
		})
		count("acc", 2)
	}},
}

func testFindLogin(t *testing.T, f *fixture) {
	alice := user("acc", "u1")
	alice.Username, alice.Email, alice.Status = "alice", "Alice@Example.com", domain.StatusPending
	bob := user("acc", "u2")
	bob.Username, bob.Email = "bob", "bob@example.org"
	alice2 := user("acc2", "u3")
	alice2.Username, alice2.Email = "alice", "alice@other.example"
	carol := user("acc2", "u4")
	carol.Username, carol.Email = "carol", "ALICE@EXAMPLE.COM"
	f.create(account("acc"), account("acc2"), alice, alice2, carol)
	f.update(func(tx store.Tx) error { return tx.CreateUser(f.ctx, bob, "") })

	cred := func(id, acct string, st domain.Status, hash string) store.Credentials {
		return store.Credentials{UserID: id, AccountID: acct, Status: st, PasswordHash: hash}
	}
	cAlice := cred("u1", "acc", domain.StatusPending, "hash-u1")
	cBob := cred("u2", "acc", domain.StatusActive, "")
	cAlice2 := cred("u3", "acc2", domain.StatusActive, "hash-u3")
	cCarol := cred("u4", "acc2", domain.StatusActive, "hash-u4")
	for _, c := range []struct {
		name, login string
		want        []store.Credentials
	}{
		{"a username finds that user in every account", "alice", []store.Credentials{cAlice, cAlice2}},
		{"a username in upper case finds the same users", "ALICE", []store.Credentials{cAlice, cAlice2}},
		{"an email as stored finds its users in every account", "Alice@Example.com", []store.Credentials{cAlice, cCarol}},
		{"an email in another case finds the same users", "alice@example.COM", []store.Credentials{cAlice, cCarol}},
		{"a user without a password comes back with an empty hash", "BOB@example.org", []store.Credentials{cBob}},
		{"an unknown login finds nobody", "nobody", nil},
		{"a display name is not a login", "User u4", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			got, err := f.s.FindLogin(f.ctx, c.login)
			f.must(err)
			sort.Slice(got, func(i, j int) bool { return got[i].UserID < got[j].UserID })
			diff(t, "FindLogin("+c.login+")", c.want, got)
		})
	}
}

func userIDs(us []domain.User) []string {
	ids := []string{}
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	return ids
}

func testListUsersStatus(t *testing.T, f *fixture) {
	f.create(account("acc"), account("acc2"),
		user("acc", "u1"), withStatus(user("acc", "u2"), domain.StatusPending), user("acc", "u3"),
		withStatus(user("acc", "u4"), domain.StatusDeactivated), user("acc2", "u5"))
	for _, c := range []struct {
		name   string
		status domain.Status
		want   []string
	}{
		{"no status lists every user of the account", "", []string{"u1", "u2", "u3", "u4"}},
		{"active lists the active users", domain.StatusActive, []string{"u1", "u3"}},
		{"pending lists the pending users", domain.StatusPending, []string{"u2"}},
		{"deactivated lists the deactivated users", domain.StatusDeactivated, []string{"u4"}},
		{"banned lists nobody", domain.StatusBanned, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			got, err := f.s.ListUsers(f.ctx, "acc", store.UserFilter{Status: c.status})
			f.must(err)
			diff(t, "user ids", c.want, userIDs(got), sortStrings)
		})
	}
}

func testListUsersQuery(t *testing.T, f *fixture) {
	mk := func(id, username, email, display string) domain.User {
		u := user("acc", id)
		u.Username, u.Email, u.DisplayName = username, email, display
		return u
	}
	f.create(account("acc"), account("acc2"),
		mk("u1", "alice", "alice@example.com", "Alice Liddell"),
		mk("u2", "bob", "Robert@example.com", "Bob Builder"),
		mk("u3", "a_b", "ab@example.com", "Percent 100% Sure"),
		mk("u4", "axb", "axb@example.com", "Plain"),
		mk("u5", "carol", "carol@wonder.example", "Carol"),
		mk("u6", "dave", "dave@example.com", `Back\slash`),
		mk("u7", "elodie", "Élodie@example.com", "Élodie Öberg"),
		user("acc2", "alice2"))
	for _, c := range []struct {
		name, query string
		want        []string
	}{
		{"an upper-case username matches", "ALICE", []string{"u1"}},
		{"part of an email matches whatever its case", "robert@", []string{"u2"}},
		{"part of a display name matches whatever its case", "builder", []string{"u2"}},
		{"an email domain matches", "wonder", []string{"u5"}},
		{"an underscore matches only an underscore", "_", []string{"u3"}},
		{"a percent sign matches only a percent sign", "%", []string{"u3"}},
		{"a username with an underscore does not match one with another character there", "a_b", []string{"u3"}},
		{"a backslash matches only a backslash", `\s`, []string{"u6"}},
		{"a display name matches when typed exactly, capitals outside ASCII included", "Élodie Öberg", []string{"u7"}},
		{"a display name matches whatever the case of its letters outside ASCII", "ÉLODIE ÖB", []string{"u7"}},
		{"a lower-case query matches capitals outside ASCII", "öberg", []string{"u7"}},
		{"an email matches whatever the case of its letters outside ASCII", "élodie@", []string{"u7"}},
		{"a query matching nothing lists nobody", "zzz", nil},
		{"users of other accounts never match", "alice2", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			got, err := f.s.ListUsers(f.ctx, "acc", store.UserFilter{Query: c.query})
			f.must(err)
			diff(t, "users matching "+c.query, c.want, userIDs(got), sortStrings)
		})
	}
	t.Run("the query combines with the status filter", func(t *testing.T) {
		f := f.at(t)
		f.update(func(tx store.Tx) error {
			return tx.UpdateUser(f.ctx, withStatus(mk("u4", "axb", "axb@example.com", "Plain"), domain.StatusPending))
		})
		got, err := f.s.ListUsers(f.ctx, "acc", store.UserFilter{Query: "A", Status: domain.StatusPending})
		f.must(err)
		diff(t, "pending users matching a", []string{"u4"}, userIDs(got))
	})
}

func testListUsersPaging(t *testing.T, f *fixture) {
	ents := []any{account("acc"), account("acc2"), user("acc2", "other")}
	var all []string
	for _, id := range []string{"u5", "u2", "u9", "u1", "u7", "u3", "u8"} {
		ents = append(ents, user("acc", id))
		all = append(all, id)
	}
	ents = append(ents, withStatus(user("acc", "u4"), domain.StatusPending))
	all = append(all, "u4")
	f.create(ents...)
	sort.Strings(all)

	for _, limit := range []int{1, 2, 3, 8, 20} {
		var seen []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > len(all)+1 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			page, err := f.s.ListUsers(f.ctx, "acc", store.UserFilter{After: after, Limit: limit})
			f.must(err)
			if len(page) > limit {
				t.Fatalf("limit %d: a page of %d users", limit, len(page))
			}
			if len(page) == 0 {
				break
			}
			seen = append(seen, userIDs(page)...)
			after = page[len(page)-1].ID
		}
		diff(t, "users seen by paging", all, seen)
	}

	t.Run("After continues after an id, not at it", func(t *testing.T) {
		f := f.at(t)
		got, err := f.s.ListUsers(f.ctx, "acc", store.UserFilter{After: "u3", Limit: 2})
		f.must(err)
		diff(t, "page after u3", []string{"u4", "u5"}, userIDs(got))
	})
	t.Run("paging combines with the status filter", func(t *testing.T) {
		f := f.at(t)
		got, err := f.s.ListUsers(f.ctx, "acc", store.UserFilter{After: "u3", Limit: 2, Status: domain.StatusActive})
		f.must(err)
		diff(t, "active page after u3", []string{"u5", "u7"}, userIDs(got))
	})
	t.Run("the last page is empty after the last id", func(t *testing.T) {
		f := f.at(t)
		got, err := f.s.ListUsers(f.ctx, "acc", store.UserFilter{After: all[len(all)-1]})
		f.must(err)
		diff(t, "page after the last user", []string(nil), userIDs(got))
	})
}

func testUserUniqueness(t *testing.T, f *fixture) {
	alice := user("acc", "u1")
	alice.Username, alice.Email = "alice", "alice@example.com"
	f.create(account("acc"), account("acc2"), alice)
	mk := func(id, acct, username, email string) domain.User {
		u := user(acct, id)
		u.Username, u.Email = username, email
		return u
	}
	for _, c := range []struct {
		name     string
		u        domain.User
		conflict bool
	}{
		{"the same username in the same account is a conflict", mk("u2", "acc", "alice", "other@example.com"), true},
		{"the same email in the same account is a conflict", mk("u2", "acc", "bob", "alice@example.com"), true},
		{"the same email in another case in the same account is a conflict", mk("u2", "acc", "bob", "ALICE@Example.COM"), true},
		{"the same id in another account is a conflict", mk("u1", "acc2", "zed", "zed@example.com"), true},
		{"the same username in another account is allowed", mk("u2", "acc2", "alice", "other@example.com"), false},
		{"the same email in another account is allowed", mk("u3", "acc2", "carol", "Alice@example.com"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.CreateUser(f.ctx, c.u, "") })
			if !c.conflict {
				f.must(err)
				got, err := f.s.GetUser(f.ctx, c.u.ID)
				f.must(err)
				if got.AccountID != c.u.AccountID || got.Username != c.u.Username {
					t.Errorf("got %s in %s, want %s in %s", got.Username, got.AccountID, c.u.Username, c.u.AccountID)
				}
				return
			}
			wantConflict(t, "CreateUser", err)
			if c.u.ID != "u1" {
				_, err = f.s.GetUser(f.ctx, c.u.ID)
				wantNotFound(t, "GetUser of the user whose creation failed", err)
			}
		})
	}
}
