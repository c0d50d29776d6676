package httpapi_test

import (
	"testing"
)

// TestPasswordPolicy: common passwords (any case) and a user's own
// username or email are refused wherever a password is set, naming the
// field; nothing is changed.
func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.A.Owner
	carol := f.addUser(t, f.A, "carol")
	sess := f.login(t, "carol")

	create := func(username, pw string) obj {
		return obj{"username": username, "email": username + "@alpha.example", "password": pw}
	}
	cases := []struct {
		name   string
		c      *client
		method string
		path   string
		body   obj
		field  string
	}{
		{"creating a user with a common password", alice.client, "POST", "/api/v1/users", create("frank", "qwertyqwerty"), "password"},
		{"creating a user with a common password in capitals", alice.client, "POST", "/api/v1/users", create("frank", "QWERTYQWERTY"), "password"},
		{"creating a user whose password is the username", alice.client, "POST", "/api/v1/users", create("frank-the-great", "frank-the-great"), "password"},
		{"creating a user whose password is the email", alice.client, "POST", "/api/v1/users", create("frank", "Frank@Alpha.example"), "password"},
		{"creating a user with a short password", alice.client, "POST", "/api/v1/users", create("frank", "short"), "password"},
		{"an admin setting a common password", alice.client, "PUT", "/api/v1/users/" + carol.ID + "/password", obj{"password": "1qaz2wsx3edc"}, "password"},
		{"an admin setting the user's email as password", alice.client, "PUT", "/api/v1/users/" + carol.ID + "/password", obj{"password": carol.Email}, "password"},
		{"changing your own to a common password", sess, "PUT", "/api/v1/me/password", obj{"current_password": password, "new_password": "qazwsxedcrfv"}, "new_password"},
		{"changing your own to your email", sess, "PUT", "/api/v1/me/password", obj{"current_password": password, "new_password": "CAROL@alpha.example"}, "new_password"},
	}
	for _, c := range cases {
		t.Run(c.name+" is a 422 naming "+c.field, func(t *testing.T) {
			c.c.do(t, c.method, c.path, c.body).fails(t, 422, "validation_failed", c.field)
		})
	}
	t.Run("nothing was changed: no user was created and carol's password still works", func(t *testing.T) {
		var l userListBody
		alice.get(t, "/api/v1/users?q=frank").ok(t, 200).decode(t, &l)
		if len(l.Users) != 0 {
			t.Errorf("users %+v", l.Users)
		}
		sess.get(t, "/api/v1/me").ok(t, 200)
		f.login(t, "carol")
	})
	t.Run("an uncommon passphrase is accepted", func(t *testing.T) {
		alice.do(t, "POST", "/api/v1/users", create("frank", "violet lantern orbit 42")).ok(t, 201)
	})
}

type userListBody struct {
	Users []struct {
		ID string `json:"id"`
	} `json:"users"`
}
