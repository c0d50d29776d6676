package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
	"atrium/internal/store"
)

// body decodes the request body into a new T.
func body[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	err := decode(w, r, &v, maxBody)
	return v, err
}

var (
	listQuery = []param{
		{Name: "limit", Description: "page size, 1 to 1000 (default 100)", Type: "integer"},
		{Name: "cursor", Description: "next_cursor of the previous page"},
		{Name: "workspace", Description: "only objects of this workspace"},
		{Name: "permission", Description: "list objects with this permission instead of the type's view permission"},
	}
)

func (api *API) table() []route {
	s := api.svc
	return []route{
		{Method: "GET", Path: "/{$}", Summary: "Service index", Tag: "meta", Public: true, Resp: indexResp{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return indexResp{Name: "atrium", API: "/api/v1", OpenAPI: "/api/v1/openapi.json"}, nil
			}},
		{Method: "GET", Path: "/healthz", Summary: "Liveness", Tag: "meta", Public: true, Resp: healthResp{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return healthResp{Status: "ok"}, nil
			}},
		{Method: "GET", Path: "/readyz", Summary: "Readiness: the database answers and the permission index is loaded", Tag: "meta", Public: true, Resp: healthResp{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				if _, err := s.Store().Revision(r.Context()); err != nil {
					return nil, err
				}
				return healthResp{Status: "ready"}, nil
			}},
		{Method: "GET", Path: "/api/v1/openapi.json", Summary: "This API's OpenAPI 3 document", Tag: "meta", Public: true, Resp: map[string]any{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return api.OpenAPI(), nil
			}},

		// ---- authentication
		{Method: "POST", Path: "/api/v1/auth/login", Summary: "Sign in with username or email and password; sets the session cookie", Tag: "auth", Public: true,
			Body: loginReq{}, Resp: loginResp{}, Handle: api.login},
		{Method: "POST", Path: "/api/v1/auth/password-reset", Summary: "Ask for a password reset mail by username or email; the answer is the same whether or not anyone has it", Tag: "auth", Public: true,
			Body: resetReq{}, Resp: acceptedResp{}, Status: http.StatusAccepted, Handle: api.requestReset},
		{Method: "POST", Path: "/api/v1/auth/password-reset/confirm", Summary: "Set a new password with a reset token (single use; ends every session of the user)", Tag: "auth", Public: true,
			Body: resetConfirmReq{}, Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[resetConfirmReq](w, r)
				if err != nil {
					return nil, err
				}
				return nil, s.ResetPassword(r.Context(), in.Token, in.Password, a.IP)
			}},
		{Method: "POST", Path: "/api/v1/auth/verify-email", Summary: "Verify your email with a verification token (single use); a pending user becomes active", Tag: "auth", Public: true,
			Body: verifyEmailReq{}, Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[verifyEmailReq](w, r)
				if err != nil {
					return nil, err
				}
				return nil, s.VerifyEmail(r.Context(), in.Token, a.IP)
			}},
		{Method: "GET", Path: "/api/v1/auth/signup", Summary: "An account's sign-up rules and registration fields, for a registration form (an unknown account looks closed)", Tag: "auth", Public: true,
			Query: []param{{Name: "account", Description: "the account's id", Required: true}}, Resp: domain.SignupRules{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.PublicSignupRules(r.Context(), r.URL.Query().Get("account"))
			}},
		{Method: "POST", Path: "/api/v1/auth/signup", Summary: "Register a pending user in an account whose rules allow it; a verification mail follows. The answer is the same whether or not the username or email exists", Tag: "auth", Public: true,
			Body: signupReq{}, Resp: acceptedResp{}, Status: http.StatusAccepted,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[signupReq](w, r)
				if err != nil {
					return nil, err
				}
				err = s.SignUp(r.Context(), service.SignupInput{AccountID: in.Account, Username: in.Username, Email: in.Email,
					DisplayName: in.DisplayName, Password: in.Password, Fields: in.Fields, IP: a.IP})
				if err != nil {
					return nil, err
				}
				return signupAccepted, nil
			}},
		{Method: "POST", Path: "/api/v1/auth/accept-invitation", Summary: "Accept an invitation (single use): creates an active user with the invited email and roles", Tag: "auth", Public: true,
			Body: acceptInvitationReq{}, Resp: domain.User{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[acceptInvitationReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.AcceptInvitation(r.Context(), service.AcceptInput{Token: in.Token, Username: in.Username, DisplayName: in.DisplayName,
					Password: in.Password, Fields: in.Fields, IP: a.IP})
			}},
		{Method: "POST", Path: "/api/v1/auth/logout", Summary: "End the current session", Tag: "auth", Capture: true, Status: http.StatusNoContent, Handle: api.logout},
		{Method: "GET", Path: "/api/v1/me", Summary: "The signed-in user, effective roles and account permissions", Tag: "auth", Capture: true, Resp: meResp{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				rev := s.RevisionToken(a)
				me, err := s.Me(r.Context(), a)
				return meResp{User: me.User, EffectiveRoles: me.EffectiveRoles, CustomRoles: me.CustomRoles, Permissions: me.Permissions, Revision: rev}, err
			}},
		{Method: "PUT", Path: "/api/v1/me/password", Admin: true, Summary: "Change your password (ends all your sessions)", Tag: "auth", Capture: true, Body: passwordReq{}, Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[passwordReq](w, r)
				if err != nil {
					return nil, err
				}
				if err := s.SetPassword(r.Context(), a, a.UserID, in.CurrentPassword, in.NewPassword); err != nil {
					if se, ok := service.AsError(err); ok && se.Field == "password" {
						se.Field = "new_password"
					}
					return nil, err
				}
				// Every session of the user ended: drop this browser's cookie.
				api.clearCookie(w, r)
				return nil, nil
			}},
		{Method: "GET", Path: "/api/v1/me/mfa", Summary: "Whether you have two-factor sign-in on, and how many recovery codes are left", Tag: "auth", Capture: true, Resp: service.MFAStatus{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.MFA(r.Context(), a)
			}},
		{Method: "POST", Path: "/api/v1/me/mfa/totp", Admin: true, Summary: "Start TOTP enrolment: the secret and otpauth URL are shown this once; confirm with a first code", Tag: "auth", Capture: true,
			Resp: service.TOTPEnrolment{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.StartTOTP(r.Context(), a)
			}},
		{Method: "POST", Path: "/api/v1/me/mfa/totp/confirm", Admin: true, Summary: "Turn TOTP on with a first code; returns 10 one-time recovery codes, shown this once", Tag: "auth", Capture: true,
			Body: mfaCodeReq{}, Resp: service.RecoveryCodes{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[mfaCodeReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.ConfirmTOTP(r.Context(), a, in.Code)
			}},
		{Method: "DELETE", Path: "/api/v1/me/mfa/totp", Admin: true, Summary: "Turn TOTP off with a current code or a recovery code (a pending enrolment is cancelled without one)", Tag: "auth", Capture: true,
			Body: mfaDisableReq{}, Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[mfaDisableReq](w, r)
				if err != nil {
					return nil, err
				}
				return nil, s.DisableTOTP(r.Context(), a, in.Code, in.RecoveryCode)
			}},
		{Method: "POST", Path: "/api/v1/me/mfa/recovery-codes", Admin: true, Summary: "Replace your recovery codes with 10 new ones, shown this once, confirmed by your current password or a current code", Tag: "auth", Capture: true,
			Body: recoveryCodesReq{}, Resp: service.RecoveryCodes{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[recoveryCodesReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.RegenerateRecoveryCodes(r.Context(), a, in.CurrentPassword, in.Code)
			}},
		{Method: "GET", Path: "/api/v1/tokens", Summary: "Your API tokens (never their secrets)", Tag: "auth", Capture: true, Resp: tokenList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				ts, err := s.ListTokens(r.Context(), a)
				return tokenList{Tokens: ts}, err
			}},
		{Method: "POST", Path: "/api/v1/tokens", Summary: "Create a personal API token; the secret is shown once", Tag: "auth", Capture: true, Body: tokenReq{}, Resp: service.NewToken{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[tokenReq](w, r)
				if err != nil {
					return nil, err
				}
				if in.ExpiresInDays < 0 || in.ExpiresInDays > 3650 {
					return nil, &httpError{status: 422, code: "validation_failed", field: "expires_in_days", msg: "expires_in_days must be from 0 (never) to 3650"}
				}
				return s.CreateToken(r.Context(), a, in.Name, time.Duration(in.ExpiresInDays)*24*time.Hour, in.Scopes)
			}},
		{Method: "DELETE", Path: "/api/v1/tokens/{id}", Summary: "Revoke an API token", Tag: "auth", Capture: true, Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.RevokeToken(r.Context(), a, r.PathValue("id"))
			}},

		{Method: "GET", Path: "/api/v1/me/sessions", Summary: "Your signed-in sessions (opaque ids; current marks this one)", Tag: "auth", Capture: true, Resp: sessionList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				ss, err := s.ListMySessions(r.Context(), a)
				return sessionList{Sessions: ss}, err
			}},
		{Method: "DELETE", Path: "/api/v1/me/sessions/{id}", Summary: "Sign one of your sessions out, at once", Tag: "auth", Capture: true, Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				current, err := s.RevokeMySession(r.Context(), a, r.PathValue("id"))
				if err != nil {
					return nil, err
				}
				if current {
					api.clearCookie(w, r)
				}
				return nil, nil
			}},

		// ---- account
		{Method: "GET", Path: "/api/v1/account", Summary: "Your account and its plan limits", Tag: "account", Resp: domain.Account{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetAccount(r.Context(), a)
			}},
		{Method: "PATCH", Path: "/api/v1/account", Admin: true, Summary: "Rename your account (manage_settings)", Tag: "account", Body: accountPatch{}, Resp: domain.Account{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[accountPatch](w, r)
				if err != nil {
					return nil, err
				}
				return s.UpdateAccount(r.Context(), a, service.AccountUpdate{Name: in.Name})
			}},

		{Method: "GET", Path: "/api/v1/account/signup", Admin: true, Summary: "Your account's sign-up rules and registration fields (manage_settings)", Tag: "account", Resp: domain.SignupRules{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetSignupRules(r.Context(), a)
			}},
		{Method: "PUT", Path: "/api/v1/account/signup", Admin: true, Summary: "Replace your account's sign-up rules: mode closed, open or domain, approval, domains, registration fields (manage_settings)", Tag: "account",
			Body: signupRulesReq{}, Resp: domain.SignupRules{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[signupRulesReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.SetSignupRules(r.Context(), a, domain.SignupRules{Mode: in.Mode, ApprovalRequired: in.ApprovalRequired, Domains: in.Domains, Fields: in.Fields})
			}},
		{Method: "GET", Path: "/api/v1/account/geo", Admin: true, Summary: "Your account's geography rule for sign-in, sign-up and invitations, whether the server has a GeoIP database, and the country it places this request in (manage_settings)", Tag: "account", Resp: service.GeoSettings{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetGeoRule(r.Context(), a)
			}},
		{Method: "PUT", Path: "/api/v1/account/geo", Admin: true, Summary: "Replace your account's geography rule: mode off, allow or deny, countries (ISO 3166-1 alpha-2), unknown allow or deny (manage_settings)", Tag: "account",
			Body: geoRuleReq{}, Resp: service.GeoSettings{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[geoRuleReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.SetGeoRule(r.Context(), a, domain.GeoRule{Mode: in.Mode, Countries: in.Countries, Unknown: in.Unknown})
			}},

		// ---- invitations
		{Method: "GET", Path: "/api/v1/invitations", Admin: true, Summary: "Pending invitations of the account, never their secrets (manage_users)", Tag: "users", Resp: invitationList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				invs, err := s.ListInvitations(r.Context(), a)
				return invitationList{Invitations: invs}, err
			}},
		{Method: "POST", Path: "/api/v1/invitations", Admin: true, Summary: "Invite an email address with roles and groups; the single-use token goes by mail only (manage_users)", Tag: "users",
			Body: invitationReq{}, Resp: store.Invitation{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[invitationReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.CreateInvitation(r.Context(), a, service.InvitationInput{Email: in.Email, Roles: in.Roles, Groups: in.Groups, ExpiresInDays: in.ExpiresInDays})
			}},
		{Method: "DELETE", Path: "/api/v1/invitations/{id}", Admin: true, Summary: "Revoke an invitation not yet accepted (manage_users)", Tag: "users", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.RevokeInvitation(r.Context(), a, r.PathValue("id"))
			}},

		// ---- users
		{Method: "GET", Path: "/api/v1/users", Summary: "Users of the account", Tag: "users", Resp: userList{},
			Query: []param{{Name: "status", Description: "pending, active, deactivated or banned"}, {Name: "q", Description: "substring of username, email or name (user managers)"},
				{Name: "after", Description: "next_after of the previous page"}, {Name: "limit", Description: "1 to 1000 (default 100)", Type: "integer"}},
			Handle: api.listUsers},
		{Method: "POST", Path: "/api/v1/users", Admin: true, Summary: "Create a user (manage_users)", Tag: "users", Body: userCreate{}, Resp: domain.User{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[userCreate](w, r)
				if err != nil {
					return nil, err
				}
				return s.CreateUser(r.Context(), a, service.UserInput{Username: in.Username, Email: in.Email, DisplayName: in.DisplayName,
					Password: in.Password, Status: in.Status, Roles: in.Roles, CustomRoles: in.CustomRoles, Access: in.Access, Fields: in.Fields})
			}},
		{Method: "DELETE", Path: "/api/v1/users", Admin: true, Summary: "Delete pending (never validated) users created more than older_than_days days ago, in one transaction (manage_users)", Tag: "users", Resp: service.ClearResult{},
			Query: []param{{Name: "status", Description: "must be pending: only unvalidated users are ever deleted", Required: true},
				{Name: "older_than_days", Description: "0 to 36500: delete users created more than this many days ago", Required: true, Type: "integer"},
				{Name: "dry_run", Description: "true: only list the users that would be deleted (default false)"}},
			Handle: api.clearPending},
		{Method: "POST", Path: "/api/v1/users/{id}/verification", Admin: true, Summary: "(Re)send the verification mail to a user whose email is not verified (manage_users)", Tag: "users", Status: http.StatusAccepted,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.SendVerification(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "GET", Path: "/api/v1/users/{id}", Summary: "A user of the account", Tag: "users", Resp: domain.User{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetUser(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PATCH", Path: "/api/v1/users/{id}", Admin: true, Summary: "Change a user: email, name, status (with an optional reason, kept in the audit log), roles, custom roles, access, fields", Tag: "users", Body: userPatch{}, Resp: domain.User{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[userPatch](w, r)
				if err != nil {
					return nil, err
				}
				return s.UpdateUser(r.Context(), a, r.PathValue("id"), service.UserUpdate{Email: in.Email, DisplayName: in.DisplayName,
					Status: in.Status, Roles: in.Roles, CustomRoles: in.CustomRoles, Access: in.Access, Fields: in.Fields, Reason: in.Reason})
			}},
		{Method: "PUT", Path: "/api/v1/users/{id}/password", Admin: true, Summary: "Set a user's password (manage_users; ends their sessions)", Tag: "users", Body: adminPasswordReq{}, Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[adminPasswordReq](w, r)
				if err != nil {
					return nil, err
				}
				id := r.PathValue("id")
				if id == a.UserID {
					return nil, &httpError{status: 422, code: "validation_failed", field: "id", msg: "change your own password with PUT /api/v1/me/password"}
				}
				return nil, s.SetPassword(r.Context(), a, id, "", in.Password)
			}},

		{Method: "GET", Path: "/api/v1/users/{id}/sessions", Admin: true, Summary: "A user's signed-in sessions (manage_users)", Tag: "users", Resp: sessionList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				ss, err := s.ListUserSessions(r.Context(), a, r.PathValue("id"))
				return sessionList{Sessions: ss}, err
			}},
		{Method: "DELETE", Path: "/api/v1/users/{id}/sessions", Admin: true, Summary: "Sign a user out of every session, at once (manage_users)", Tag: "users", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				if err := s.RevokeUserSessions(r.Context(), a, r.PathValue("id")); err != nil {
					return nil, err
				}
				if r.PathValue("id") == a.UserID {
					api.clearCookie(w, r)
				}
				return nil, nil
			}},
		{Method: "DELETE", Path: "/api/v1/users/{id}/sessions/{session}", Admin: true, Summary: "Sign a user out of one session, at once (manage_users)", Tag: "users", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				if r.PathValue("id") == a.UserID {
					current, err := s.RevokeMySession(r.Context(), a, r.PathValue("session"))
					if current {
						api.clearCookie(w, r)
					}
					return nil, err
				}
				return nil, s.RevokeUserSession(r.Context(), a, r.PathValue("id"), r.PathValue("session"))
			}},
		{Method: "DELETE", Path: "/api/v1/users/{id}/mfa", Admin: true, Summary: "Reset another user's second factor (lost authenticator and recovery codes): removes it and ends their sessions (manage_users; manage_owners for owners and admins)", Tag: "users", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.ResetUserMFA(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "GET", Path: "/api/v1/users/{id}/tokens", Admin: true, Summary: "A user's API tokens, never their secrets (manage_api_tokens)", Tag: "users", Resp: tokenList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				ts, err := s.ListUserTokens(r.Context(), a, r.PathValue("id"))
				return tokenList{Tokens: ts}, err
			}},

		// ---- groups
		{Method: "GET", Path: "/api/v1/groups", Summary: "Groups of the account", Tag: "groups", Resp: groupList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				gs, err := s.ListGroups(r.Context(), a)
				return groupList{Groups: gs}, err
			}},
		{Method: "POST", Path: "/api/v1/groups", Admin: true, Summary: "Create a group (manage_groups)", Tag: "groups", Body: groupCreate{}, Resp: domain.Group{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[groupCreate](w, r)
				if err != nil {
					return nil, err
				}
				members := make([]authz.Subject, 0, len(in.Members))
				for _, m := range in.Members {
					subj, err := parseSubject(m, "members")
					if err != nil {
						return nil, err
					}
					members = append(members, subj)
				}
				return s.CreateGroup(r.Context(), a, service.GroupInput{Name: in.Name, Description: in.Description, Roles: in.Roles, CustomRoles: in.CustomRoles, Members: members})
			}},
		{Method: "GET", Path: "/api/v1/groups/{id}", Summary: "A group with its members", Tag: "groups", Resp: domain.Group{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetGroup(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PATCH", Path: "/api/v1/groups/{id}", Admin: true, Summary: "Rename a group or change its account roles and custom roles", Tag: "groups", Body: groupPatch{}, Resp: domain.Group{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[groupPatch](w, r)
				if err != nil {
					return nil, err
				}
				return s.UpdateGroup(r.Context(), a, r.PathValue("id"), service.GroupUpdate{Name: in.Name, Description: in.Description, Roles: in.Roles, CustomRoles: in.CustomRoles})
			}},
		{Method: "DELETE", Path: "/api/v1/groups/{id}", Admin: true, Summary: "Delete a group not granted on any workspace or tier", Tag: "groups", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.DeleteGroup(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PUT", Path: "/api/v1/groups/{id}/members/{subject}", Admin: true, Summary: "Add a user or group (subject user:ID or group:ID) to a group", Tag: "groups", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				subj, err := parseSubject(r.PathValue("subject"), "subject")
				if err != nil {
					return nil, err
				}
				return nil, s.AddGroupMember(r.Context(), a, r.PathValue("id"), subj)
			}},
		{Method: "DELETE", Path: "/api/v1/groups/{id}/members/{subject}", Admin: true, Summary: "Remove a member from a group", Tag: "groups", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				subj, err := parseSubject(r.PathValue("subject"), "subject")
				if err != nil {
					return nil, err
				}
				return nil, s.RemoveGroupMember(r.Context(), a, r.PathValue("id"), subj)
			}},

		// ---- permissions and roles
		{Method: "GET", Path: "/api/v1/permissions", Summary: "The account permissions roles are made of, with what each allows", Tag: "roles", Resp: permissionList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				ps, err := s.PermissionCatalogue(a)
				return permissionList{Permissions: ps}, err
			}},
		{Method: "GET", Path: "/api/v1/roles", Summary: "The built-in roles with their permissions and the account's custom roles", Tag: "roles", Resp: service.RoleCatalogue{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.ListRoles(r.Context(), a)
			}},
		{Method: "POST", Path: "/api/v1/roles", Admin: true, Summary: "Define a custom role from account permissions you hold (manage_roles; never manage_owners)", Tag: "roles",
			Body: roleCreate{}, Resp: service.CustomRoleDetail{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[roleCreate](w, r)
				if err != nil {
					return nil, err
				}
				return s.CreateRole(r.Context(), a, service.RoleInput{Name: in.Name, Description: in.Description, Permissions: in.Permissions})
			}},
		{Method: "GET", Path: "/api/v1/roles/{id}", Summary: "A custom role with the users and groups holding it", Tag: "roles", Resp: service.CustomRoleDetail{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetRole(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PATCH", Path: "/api/v1/roles/{id}", Admin: true, Summary: "Change a custom role; its holders' permissions change at once (manage_roles, and every permission before and after)", Tag: "roles",
			Body: rolePatch{}, Resp: service.CustomRoleDetail{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[rolePatch](w, r)
				if err != nil {
					return nil, err
				}
				return s.UpdateRole(r.Context(), a, r.PathValue("id"), service.RoleUpdate{Name: in.Name, Description: in.Description, Permissions: in.Permissions})
			}},
		{Method: "DELETE", Path: "/api/v1/roles/{id}", Admin: true, Summary: "Delete a custom role nobody holds (manage_roles, and every permission it carries)", Tag: "roles", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.DeleteRole(r.Context(), a, r.PathValue("id"))
			}},

		// ---- tiers
		{Method: "GET", Path: "/api/v1/tiers", Summary: "Workspace tiers of the account", Tag: "tiers", Resp: tierList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				ts, err := s.ListTiers(r.Context(), a)
				return tierList{Tiers: ts}, err
			}},
		{Method: "POST", Path: "/api/v1/tiers", Admin: true, Summary: "Create a tier (manage_workspaces)", Tag: "tiers", Body: tierCreate{}, Resp: domain.Tier{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[tierCreate](w, r)
				if err != nil {
					return nil, err
				}
				gs, err := parseGrants(in.Grants, "grants")
				if err != nil {
					return nil, err
				}
				return s.CreateTier(r.Context(), a, service.TierInput{Name: in.Name, Description: in.Description, Grants: gs})
			}},
		{Method: "GET", Path: "/api/v1/tiers/{id}", Summary: "A tier with its grants", Tag: "tiers", Resp: domain.Tier{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetTier(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PATCH", Path: "/api/v1/tiers/{id}", Admin: true, Summary: "Rename a tier", Tag: "tiers", Body: namePatch{}, Resp: domain.Tier{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[namePatch](w, r)
				if err != nil {
					return nil, err
				}
				return s.UpdateTier(r.Context(), a, r.PathValue("id"), service.NameUpdate{Name: in.Name, Description: in.Description})
			}},
		{Method: "DELETE", Path: "/api/v1/tiers/{id}", Admin: true, Summary: "Delete a tier holding no workspaces", Tag: "tiers", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.DeleteTier(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PUT", Path: "/api/v1/tiers/{id}/grants/{subject}", Admin: true, Summary: "Grant a user or group a role on every workspace of the tier", Tag: "tiers", Body: roleReq{}, Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				g, err := api.grant(w, r)
				if err != nil {
					return nil, err
				}
				return nil, s.SetTierGrant(r.Context(), a, r.PathValue("id"), g)
			}},
		{Method: "DELETE", Path: "/api/v1/tiers/{id}/grants/{subject}", Admin: true, Summary: "Remove a grant from a tier", Tag: "tiers", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				subj, err := parseSubject(r.PathValue("subject"), "subject")
				if err != nil {
					return nil, err
				}
				return nil, s.RemoveTierGrant(r.Context(), a, r.PathValue("id"), subj)
			}},

		// ---- workspaces
		{Method: "GET", Path: "/api/v1/workspaces", Summary: "Workspaces you hold a role on", Tag: "workspaces", Resp: workspaceList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				ws, err := s.ListWorkspaces(r.Context(), a)
				return workspaceList{Workspaces: ws}, err
			}},
		{Method: "POST", Path: "/api/v1/workspaces", Admin: true, Summary: "Create a workspace (manage_workspaces)", Tag: "workspaces", Body: workspaceCreate{}, Resp: domain.Workspace{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[workspaceCreate](w, r)
				if err != nil {
					return nil, err
				}
				gs, err := parseGrants(in.Members, "members")
				if err != nil {
					return nil, err
				}
				return s.CreateWorkspace(r.Context(), a, service.WorkspaceInput{Name: in.Name, Description: in.Description, TierID: in.Tier, Members: gs})
			}},
		{Method: "GET", Path: "/api/v1/workspaces/{id}", Summary: "A workspace with its members", Tag: "workspaces", Resp: domain.Workspace{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetWorkspace(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PATCH", Path: "/api/v1/workspaces/{id}", Summary: "Rename a workspace (owners) or move it between tiers (manage_workspaces)", Tag: "workspaces", Body: workspacePatch{}, Resp: domain.Workspace{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[workspacePatch](w, r)
				if err != nil {
					return nil, err
				}
				return s.UpdateWorkspace(r.Context(), a, r.PathValue("id"), service.WorkspaceUpdate{Name: in.Name, Description: in.Description, TierID: in.Tier})
			}},
		{Method: "DELETE", Path: "/api/v1/workspaces/{id}", Admin: true, Summary: "Delete an empty workspace", Tag: "workspaces", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.DeleteWorkspace(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PUT", Path: "/api/v1/workspaces/{id}/members/{subject}", Summary: "Give a user or group a role on the workspace (owners)", Tag: "workspaces", Body: roleReq{}, Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				g, err := api.grant(w, r)
				if err != nil {
					return nil, err
				}
				return nil, s.SetWorkspaceMember(r.Context(), a, r.PathValue("id"), g)
			}},
		{Method: "DELETE", Path: "/api/v1/workspaces/{id}/members/{subject}", Summary: "Remove a member from the workspace (owners)", Tag: "workspaces", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				subj, err := parseSubject(r.PathValue("subject"), "subject")
				if err != nil {
					return nil, err
				}
				return nil, s.RemoveWorkspaceMember(r.Context(), a, r.PathValue("id"), subj)
			}},

		// ---- collections
		{Method: "GET", Path: "/api/v1/collections", Summary: "Collections you can view", Tag: "collections", Query: listQuery, Resp: collectionList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				q, err := api.listQuery(r, authz.Collection)
				if err != nil {
					return nil, err
				}
				rev := s.RevisionToken(a)
				l, err := s.ListCollections(r.Context(), a, q)
				return collectionList{Collections: l.Items, NextCursor: l.NextCursor, Total: l.Total, Revision: rev}, err
			}},
		{Method: "POST", Path: "/api/v1/collections", Summary: "Create a collection (contributor on the workspace)", Tag: "collections", Body: collectionCreate{}, Resp: domain.Collection{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[collectionCreate](w, r)
				if err != nil {
					return nil, err
				}
				acl, err := optACL(in.ACL)
				if err != nil {
					return nil, err
				}
				return s.CreateCollection(r.Context(), a, service.CollectionInput{WorkspaceID: in.Workspace, Name: in.Name, Description: in.Description, ACL: acl})
			}},
		{Method: "GET", Path: "/api/v1/collections/{id}", Summary: "A collection", Tag: "collections", Resp: domain.Collection{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetCollection(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PATCH", Path: "/api/v1/collections/{id}", Summary: "Rename a collection (can_edit)", Tag: "collections", Body: namePatch{}, Resp: domain.Collection{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[namePatch](w, r)
				if err != nil {
					return nil, err
				}
				return s.UpdateCollection(r.Context(), a, r.PathValue("id"), service.NameUpdate{Name: in.Name, Description: in.Description})
			}},
		{Method: "DELETE", Path: "/api/v1/collections/{id}", Summary: "Delete a collection (can_delete); its records stay", Tag: "collections", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.DeleteCollection(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "GET", Path: "/api/v1/collections/{id}/records", Summary: "Records of a collection that you can view", Tag: "collections", Resp: recordList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				rev := s.RevisionToken(a)
				recs, err := s.CollectionRecords(r.Context(), a, r.PathValue("id"))
				return recordList{Records: recs, Total: len(recs), Revision: rev}, err
			}},
		{Method: "PUT", Path: "/api/v1/collections/{id}/records/{record}", Summary: "Add a record to a collection", Tag: "collections", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.AddCollectionRecord(r.Context(), a, r.PathValue("id"), r.PathValue("record"))
			}},
		{Method: "DELETE", Path: "/api/v1/collections/{id}/records/{record}", Summary: "Remove a record from a collection", Tag: "collections", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.RemoveCollectionRecord(r.Context(), a, r.PathValue("id"), r.PathValue("record"))
			}},
		api.getACL(authz.Collection, "/api/v1/collections/{id}/acl"),
		api.putACL(authz.Collection, "/api/v1/collections/{id}/acl"),

		// ---- records
		{Method: "GET", Path: "/api/v1/records", Summary: "Records you can view (or hold another permission on), with the exact total", Tag: "records", Query: listQuery, Resp: recordList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				q, err := api.listQuery(r, authz.Record)
				if err != nil {
					return nil, err
				}
				rev := s.RevisionToken(a)
				l, err := s.ListRecords(r.Context(), a, q)
				return recordList{Records: l.Items, NextCursor: l.NextCursor, Total: l.Total, Revision: rev}, err
			}},
		{Method: "GET", Path: "/api/v1/audit", Admin: true, Summary: "Your account's audit log, newest first (view_audit): who did what to which target, when, from where, and the result", Tag: "account",
			Query: auditParams, Resp: service.AuditPage{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				q, err := parseAudit(r.URL.Query())
				if err != nil {
					return nil, err
				}
				return s.ListAudit(r.Context(), a, q)
			}},
		{Method: "GET", Path: "/api/v1/search", Summary: "Search the records you can view: words, filters, sort, pages and the exact total, all through the permission index", Tag: "records",
			Query: searchParams, Resp: recordList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				q, err := parseSearch(r.URL.Query())
				if err != nil {
					return nil, err
				}
				rev := s.RevisionToken(a)
				l, err := s.SearchRecords(r.Context(), a, q)
				return recordList{Records: l.Items, NextCursor: l.NextCursor, Total: l.Total, Revision: rev}, err
			}},
		{Method: "POST", Path: "/api/v1/records", Summary: "Create a record (contributor on the workspace); the default ACL applies unless an owner gives one", Tag: "records",
			Body: recordCreate{}, Resp: domain.Record{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[recordCreate](w, r)
				if err != nil {
					return nil, err
				}
				acl, err := optACL(in.ACL)
				if err != nil {
					return nil, err
				}
				return s.CreateRecord(r.Context(), a, service.RecordInput{WorkspaceID: in.Workspace, Title: in.Title, Description: in.Description,
					Keywords: in.Keywords, Fields: in.Fields, MediaType: in.MediaType, ACL: acl})
			}},
		{Method: "GET", Path: "/api/v1/records/{id}", Summary: "A record", Tag: "records", Resp: domain.Record{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetRecord(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PATCH", Path: "/api/v1/records/{id}", Summary: "Change a record's metadata (can_edit)", Tag: "records", Body: recordPatch{}, Resp: domain.Record{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[recordPatch](w, r)
				if err != nil {
					return nil, err
				}
				return s.UpdateRecord(r.Context(), a, r.PathValue("id"), service.RecordUpdate{Title: in.Title, Description: in.Description,
					Keywords: in.Keywords, Fields: in.Fields, MediaType: in.MediaType})
			}},
		{Method: "DELETE", Path: "/api/v1/records/{id}", Summary: "Delete a record and its media (can_delete)", Tag: "records", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.DeleteRecord(r.Context(), a, r.PathValue("id"))
			}},
		api.getACL(authz.Record, "/api/v1/records/{id}/acl"),
		api.putACL(authz.Record, "/api/v1/records/{id}/acl"),
		{Method: "GET", Path: "/api/v1/records/{id}/media", Summary: "Media of a record that you can preview", Tag: "media", Resp: mediaList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				ms, err := s.ListRecordMedia(r.Context(), a, r.PathValue("id"))
				return mediaList{Media: ms, Total: len(ms)}, err
			}},
		{Method: "POST", Path: "/api/v1/records/{id}/media", Summary: "Attach a media object (metadata) to a record (can_edit on the record)", Tag: "media",
			Body: mediaCreate{}, Resp: domain.Media{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[mediaCreate](w, r)
				if err != nil {
					return nil, err
				}
				acl, err := optACL(in.ACL)
				if err != nil {
					return nil, err
				}
				return s.CreateMedia(r.Context(), a, service.MediaInput{RecordID: r.PathValue("id"), MediaType: in.MediaType, Filename: in.Filename, ACL: acl})
			}},

		// ---- media
		{Method: "GET", Path: "/api/v1/media", Summary: "Media objects you can preview (or hold another permission on)", Tag: "media", Query: listQuery, Resp: mediaList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				q, err := api.listQuery(r, authz.Media)
				if err != nil {
					return nil, err
				}
				rev := s.RevisionToken(a)
				l, err := s.ListMedia(r.Context(), a, q)
				return mediaList{Media: l.Items, NextCursor: l.NextCursor, Total: l.Total, Revision: rev}, err
			}},
		{Method: "GET", Path: "/api/v1/media/{id}", Summary: "A media object", Tag: "media", Resp: domain.Media{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetMedia(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PATCH", Path: "/api/v1/media/{id}", Summary: "Change a media object's metadata (can_edit)", Tag: "media", Body: mediaPatch{}, Resp: domain.Media{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[mediaPatch](w, r)
				if err != nil {
					return nil, err
				}
				return s.UpdateMedia(r.Context(), a, r.PathValue("id"), service.MediaUpdate{MediaType: in.MediaType, Filename: in.Filename})
			}},
		{Method: "DELETE", Path: "/api/v1/media/{id}", Summary: "Delete a media object (can_delete on its record)", Tag: "media", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.DeleteMedia(r.Context(), a, r.PathValue("id"))
			}},
		api.getACL(authz.Media, "/api/v1/media/{id}/acl"),
		api.putACL(authz.Media, "/api/v1/media/{id}/acl"),

		// ---- ACLs
		{Method: "POST", Path: "/api/v1/acl/batch", Summary: "Add, remove or replace ACL entries on many objects at once, atomically; dry_run reports the change without making it",
			Tag: "acl", Body: batchReq{}, Resp: batchResp{}, Handle: api.batchACL},
		{Method: "GET", Path: "/api/v1/default-acls", Summary: "Default ACLs applied to new records, media and collections", Tag: "acl", Resp: defaultACLs{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				m, err := s.DefaultACLs(r.Context(), a)
				return defaultACLs{Record: m[authz.Record], Media: m[authz.Media], Collection: m[authz.Collection]}, err
			}},
		{Method: "PUT", Path: "/api/v1/default-acls/{type}", Admin: true, Summary: "Replace the default ACL of a type (manage_settings); subject user:$creator means the creating user", Tag: "acl",
			Body: aclReq{}, Resp: aclResp{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				t, err := authz.ParseObjectType(r.PathValue("type"))
				if err != nil || !t.IsContent() {
					return nil, &httpError{status: http.StatusNotFound, code: "not_found", msg: "default ACLs exist for record, media and collection"}
				}
				in, err := body[aclReq](w, r)
				if err != nil {
					return nil, err
				}
				if err := entriesRequired(in.Entries); err != nil {
					return nil, err
				}
				entries, err := parseACL(in.Entries, "entries", true)
				if err != nil {
					return nil, err
				}
				out, err := s.SetDefaultACL(r.Context(), a, t, entries)
				return aclResp{Entries: out}, err
			}},

		// ---- the permission engine
		{Method: "POST", Path: "/api/v1/check", Summary: "Does a user have a permission on an object? (yourself, or anyone of the account with review_access)", Tag: "permissions",
			Body: checkReq{}, Resp: checkResp{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[checkReq](w, r)
				if err != nil {
					return nil, err
				}
				rev := s.RevisionToken(a)
				allowed, err := s.Check(r.Context(), a, subjectOr(in.Subject, a), in.Permission, in.Object)
				return checkResp{Allowed: allowed, Revision: rev}, err
			}},
		{Method: "GET", Path: "/api/v1/objects", Summary: "Ids of the objects of a type on which a user has a permission: complete, paginated, with the exact total", Tag: "permissions",
			Query: []param{{Name: "subject", Description: "user:ID (default: you)"}, {Name: "permission", Description: "e.g. can_view", Required: true},
				{Name: "type", Description: "record, media or collection", Required: true}, {Name: "limit", Description: "1 to 100000 (default 100)", Type: "integer"},
				{Name: "cursor", Description: "next_cursor of the previous page"}, {Name: "workspace", Description: "only objects of this workspace"}},
			Resp: objectsResp{}, Handle: api.objects},
		{Method: "POST", Path: "/api/v1/explain", Summary: "Why a user has, or has not, a permission: every path of grants", Tag: "permissions", Body: checkReq{}, Resp: explainResp{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[checkReq](w, r)
				if err != nil {
					return nil, err
				}
				rev := s.RevisionToken(a)
				ex, err := s.Explain(r.Context(), a, subjectOr(in.Subject, a), in.Permission, in.Object)
				return explainResp{Explanation: ex, Revision: rev}, err
			}},
		{Method: "GET", Path: "/api/v1/who", Summary: "The active users who have a permission on an object (review_access or workspace owner)", Tag: "permissions",
			Query: []param{{Name: "permission", Required: true, Description: "e.g. can_view"}, {Name: "object", Required: true, Description: "TYPE:ID"}}, Resp: whoResp{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				q := r.URL.Query()
				rev := s.RevisionToken(a)
				users, err := s.Who(r.Context(), a, q.Get("permission"), q.Get("object"))
				return whoResp{Users: users, Revision: rev}, err
			}},
	}
}

func subjectOr(subject string, a service.Actor) string {
	if subject == "" {
		return "user:" + a.UserID
	}
	return subject
}

func optACL(in *[]aclEntryIn) (*[]domain.ACLEntry, error) {
	if in == nil {
		return nil, nil
	}
	acl, err := parseACL(*in, "acl", false)
	if err != nil {
		return nil, err
	}
	return &acl, nil
}

func (api *API) grant(w http.ResponseWriter, r *http.Request) (domain.Grant, error) {
	subj, err := parseSubject(r.PathValue("subject"), "subject")
	if err != nil {
		return domain.Grant{}, err
	}
	in, err := body[roleReq](w, r)
	if err != nil {
		return domain.Grant{}, err
	}
	return domain.Grant{Subject: subj, Role: in.Role}, nil
}

func (api *API) listQuery(r *http.Request, t authz.ObjectType) (service.ListQuery, error) {
	limit, err := queryInt(r, "limit", 100, 1, 1000)
	if err != nil {
		return service.ListQuery{}, err
	}
	q := r.URL.Query()
	lq := service.ListQuery{Limit: limit, Cursor: q.Get("cursor"), Workspace: q.Get("workspace")}
	if p := q.Get("permission"); p != "" {
		perm, err := authz.ParsePermission(p)
		if err != nil || !authz.Supported(t, perm) {
			return lq, &httpError{status: 422, code: "validation_failed", field: "permission", msg: "permission " + p + " is not defined on " + t.String()}
		}
		lq.Permission = perm
	}
	return lq, nil
}

func (api *API) getACL(t authz.ObjectType, path string) route {
	return route{Method: "GET", Path: path, Summary: "The " + t.String() + "'s ACL", Tag: "acl", Resp: aclResp{},
		Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
			rev := api.svc.RevisionToken(a)
			entries, err := api.svc.GetACL(r.Context(), a, authz.ObjectRef{Type: t, ID: r.PathValue("id")})
			return aclResp{Entries: entries, Revision: rev}, err
		}}
}

func (api *API) putACL(t authz.ObjectType, path string) route {
	return route{Method: "PUT", Path: path, Summary: "Replace the " + t.String() + "'s ACL (owner role on its workspace)", Tag: "acl", Body: aclReq{}, Resp: aclResp{},
		Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
			in, err := body[aclReq](w, r)
			if err != nil {
				return nil, err
			}
			if err := entriesRequired(in.Entries); err != nil {
				return nil, err
			}
			entries, err := parseACL(in.Entries, "entries", false)
			if err != nil {
				return nil, err
			}
			out, err := api.svc.SetACL(r.Context(), a, authz.ObjectRef{Type: t, ID: r.PathValue("id")}, entries)
			return aclResp{Entries: out, Revision: api.svc.RevisionToken(a)}, err
		}}
}

func (api *API) login(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
	in, err := body[loginReq](w, r)
	if err != nil {
		return nil, err
	}
	si, err := api.svc.SignIn(r.Context(), service.Login{Login: in.Login, Password: in.Password, AccountID: in.Account,
		TOTPCode: in.TOTPCode, RecoveryCode: in.RecoveryCode, IP: a.IP, UserAgent: r.UserAgent()})
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: si.Secret, Path: "/", Expires: si.ExpiresAt,
		HttpOnly: true, Secure: api.secure || r.TLS != nil, SameSite: http.SameSiteLaxMode})
	return loginResp{User: si.User, CSRFToken: si.CSRF, ExpiresAt: si.ExpiresAt}, nil
}

func (api *API) logout(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
	if err := api.svc.SignOut(r.Context(), a); err != nil {
		return nil, err
	}
	api.clearCookie(w, r)
	return nil, nil
}

func (api *API) clearCookie(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(SessionCookie); err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: api.secure || r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func (api *API) listUsers(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
	limit, err := queryInt(r, "limit", 100, 1, 1000)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	us, err := api.svc.ListUsers(r.Context(), a, store.UserFilter{Status: domain.Status(q.Get("status")), Query: q.Get("q"), After: q.Get("after"), Limit: limit})
	if err != nil {
		return nil, err
	}
	out := userList{Users: us}
	if len(us) == limit {
		out.NextAfter = us[len(us)-1].ID
	}
	return out, nil
}

// signupAccepted is the answer to every sign-up that passed the checks
// of the account's rules and of its input.
var signupAccepted = acceptedResp{Status: "accepted", Message: "check your email: a message with the next step is on its way"}

// resetAccepted is the answer to every well-formed reset request.
var resetAccepted = acceptedResp{Status: "accepted", Message: "if an active user has this username or email, a reset token is on its way to their email address"}

func (api *API) requestReset(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
	in, err := body[resetReq](w, r)
	if err != nil {
		return nil, err
	}
	login := in.Login
	if login == "" {
		login = in.Email
	} else if in.Email != "" {
		return nil, &httpError{status: 422, code: "validation_failed", field: "email", msg: "give login or email, not both"}
	}
	if err := api.svc.RequestPasswordReset(r.Context(), login, a.IP); err != nil {
		return nil, err
	}
	return resetAccepted, nil
}

func (api *API) clearPending(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
	q := r.URL.Query()
	for name, vs := range q {
		switch name {
		case "status", "older_than_days", "dry_run":
			if len(vs) != 1 {
				return nil, badRequest("invalid_query", name, "give %s once", name)
			}
		default:
			return nil, badRequest("invalid_query", name, "unknown parameter %q", name)
		}
	}
	if q.Get("status") != string(domain.StatusPending) {
		return nil, badRequest("invalid_query", "status", "status=pending is required: only unvalidated users are ever deleted")
	}
	if q.Get("older_than_days") == "" {
		return nil, badRequest("invalid_query", "older_than_days", "older_than_days is required")
	}
	days, err := strconv.Atoi(q.Get("older_than_days"))
	if err != nil || days < 0 || days > service.MaxClearDays {
		return nil, badRequest("invalid_query", "older_than_days", "older_than_days must be a whole number from 0 to %d", service.MaxClearDays)
	}
	dry := false
	if v := q.Get("dry_run"); v != "" {
		if dry, err = strconv.ParseBool(v); err != nil {
			return nil, badRequest("invalid_query", "dry_run", "dry_run must be true or false")
		}
	}
	return api.svc.ClearPendingUsers(r.Context(), a, days, dry)
}

func (api *API) batchACL(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
	var in batchReq
	if err := decode(w, r, &in, maxBatchBody); err != nil {
		return nil, err
	}
	t, err := authz.ParseObjectType(in.Type)
	if err != nil || !t.IsContent() {
		return nil, &httpError{status: 422, code: "validation_failed", field: "type", msg: "type must be record, media or collection"}
	}
	if err := entriesRequired(in.Entries); err != nil {
		return nil, err
	}
	entries, err := parseACL(in.Entries, "entries", false)
	if err != nil {
		return nil, err
	}
	res, err := api.svc.EditACLs(r.Context(), a, service.BatchACL{Type: t, IDs: in.IDs, Op: in.Op, Entries: entries, DryRun: in.DryRun})
	if err != nil {
		return nil, err
	}
	return batchResp{BatchResult: res, Revision: api.svc.RevisionToken(a)}, nil
}

func (api *API) objects(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
	limit, err := queryInt(r, "limit", 100, 1, service.MaxIDPage)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	for _, name := range []string{"permission", "type"} {
		if q.Get(name) == "" {
			return nil, &httpError{status: 422, code: "validation_failed", field: name, msg: name + " is required"}
		}
	}
	rev := api.svc.RevisionToken(a)
	p, err := api.svc.ListObjects(r.Context(), a, subjectOr(q.Get("subject"), a), q.Get("permission"), q.Get("type"),
		service.ListQuery{Limit: limit, Cursor: q.Get("cursor"), Workspace: q.Get("workspace")})
	if err != nil {
		return nil, err
	}
	return objectsResp{Objects: p.IDs, NextCursor: p.NextCursor, Total: p.Total, Revision: rev}, nil
}
