package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// Download profiles say which renditions of which media types their
// holders may download; capture profiles are upload templates. Both are
// held by users, groups (for their members, transitively) and everyone,
// and managed with manage_settings; every change is audited.
//
// The download rule (DownloadAllowed): the thumbnail and the preview
// need can_preview on the media object, the large rendition and the
// original can_download; and every download needs a profile of the user
// allowing that rendition for the media's type. A user's effective
// profile is the union of what they hold; holding none allows nothing.
// So that an account works out of the box, it starts with the profile
// "All renditions" held by everyone: downloads then follow the ACLs
// alone, and an administrator restricts them by narrowing that profile
// or giving it to fewer holders. Taking a user out of a group never
// widens what they may download. Showing a rendition in the browser
// (ViewAllowed) needs no profile: the thumbnail and preview need
// can_preview, the full-size viewer (large) can_view; the original is
// never shown, only downloaded.
//
// The capture rule (CaptureRecord): a holder of a capture profile creates
// records in the profile's workspace, with the profile's typed metadata
// fields checked and its ACLs, and attaches media to them
// (CaptureMedia). It takes the contributor role on the workspace or, for
// users of the capture application, the profile alone: assigning the
// profile is what lets them capture there. So only the workspace's
// owners (with manage_settings) define profiles into it or assign them.
// What a user captured stays editable by them (they attach its files),
// whatever the profile's ACLs say; those decide who else sees it. A
// user whose only application is capture creates content through
// profiles only.

// Audit event types of profiles and captures.
const (
	AuditDownloadProfileCreate = "download_profile.create"
	AuditDownloadProfileUpdate = "download_profile.update"
	AuditDownloadProfileDelete = "download_profile.delete"
	AuditCaptureProfileCreate  = "capture_profile.create"
	AuditCaptureProfileUpdate  = "capture_profile.update"
	AuditCaptureProfileDelete  = "capture_profile.delete"
	AuditCaptureRecord         = "capture.record"
	AuditCaptureMedia          = "capture.media"
)

// errCaptureOnly refuses content created outside a capture profile by a
// user whose only application is capture.
var errCaptureOnly = &Error{Kind: KindForbidden, Code: "capture_only",
	Message: "you may use the capture application only: create records and media through a capture profile assigned to you"}

// profileDenies refuses a download that the permission allows but no
// profile of the user does.
func profileDenies(rendition, mediaType string) *Error {
	return &Error{Kind: KindForbidden, Code: "profile_denies", Field: "rendition",
		Message: fmt.Sprintf("none of your download profiles allows the %s rendition of %s media", rendition, mediaType)}
}

// holds reports whether an active user holds a profile with these
// holders: directly, through a group they are in, or as everyone.
func (s *Service) holds(userID string, holders []authz.Subject) bool {
	e := s.Engine()
	for _, h := range holders {
		switch h.Kind {
		case authz.Everyone:
			if e.UserActive(userID) {
				return true
			}
		case authz.UserSubject:
			if h.ID == userID && e.UserActive(userID) {
				return true
			}
		case authz.GroupSubject:
			if e.MemberOf(userID, h.ID) {
				return true
			}
		}
	}
	return false
}

// checkHolders validates a profile's holders against the actor's account.
func checkHolders(ctx context.Context, r store.Reader, a Actor, hs []authz.Subject) ([]authz.Subject, error) {
	norm, err := domain.NormalizeHolders(hs)
	if err != nil {
		return nil, fieldInvalid(err, "holders")
	}
	for _, h := range norm {
		if err := checkSubject(ctx, r, a, h, "holders"); err != nil {
			return nil, err
		}
	}
	return norm, nil
}

// holderChanges describes, for the audit log, who gained and who lost a
// profile.
func holderChanges(before, after []authz.Subject, d map[string]string) {
	var added, removed []string
	for _, h := range after {
		if !slices.Contains(before, h) {
			added = append(added, h.String())
		}
	}
	for _, h := range before {
		if !slices.Contains(after, h) {
			removed = append(removed, h.String())
		}
	}
	if added != nil {
		d["holders_added"] = truncate(strings.Join(added, ","), 2000)
	}
	if removed != nil {
		d["holders_removed"] = truncate(strings.Join(removed, ","), 2000)
	}
}

func checkProfileName(name, desc string) error {
	if err := domain.CheckName("name", name, true, 200); err != nil {
		return invalidErr("name", err)
	}
	if err := domain.CheckText("description", desc, 2000); err != nil {
		return invalidErr("description", err)
	}
	return nil
}

// ---- download profiles: management

// DownloadProfileInput describes a new download profile.
type DownloadProfileInput struct {
	Name        string
	Description string
	Rules       []domain.DownloadRule
	Holders     []authz.Subject
}

// DownloadProfileUpdate changes a download profile; nil fields stay.
// Rules and Holders replace the whole list.
type DownloadProfileUpdate struct {
	Name        *string
	Description *string
	Rules       *[]domain.DownloadRule
	Holders     *[]authz.Subject
}

// rulesString describes rules for the audit log: "image:original+large;
// *:thumbnail".
func rulesString(rs []domain.DownloadRule) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.MediaType + ":" + strings.Join(r.Renditions, "+")
	}
	return strings.Join(parts, ";")
}

// downloadProfileInAccount loads a download profile of the actor's
// account; another account's do not exist for the actor.
func downloadProfileInAccount(ctx context.Context, r store.Reader, a Actor, id string) (domain.DownloadProfile, error) {
	if authz.ValidID(id) != nil {
		return domain.DownloadProfile{}, notFound("download profile")
	}
	p, err := r.GetDownloadProfile(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && p.AccountID != a.AccountID {
		return domain.DownloadProfile{}, notFound("download profile")
	}
	return p, err
}

// ListDownloadProfiles lists the account's download profiles with their
// holders (manage_settings).
func (s *Service) ListDownloadProfiles(ctx context.Context, a Actor) ([]domain.DownloadProfile, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	if err := s.require(a, authz.ManageSettings); err != nil {
		return nil, err
	}
	return s.store.ListDownloadProfiles(ctx, a.AccountID)
}

// GetDownloadProfile returns a download profile of the account
// (manage_settings).
func (s *Service) GetDownloadProfile(ctx context.Context, a Actor, id string) (domain.DownloadProfile, error) {
	if err := s.member(a); err != nil {
		return domain.DownloadProfile{}, err
	}
	if err := s.require(a, authz.ManageSettings); err != nil {
		return domain.DownloadProfile{}, err
	}
	return downloadProfileInAccount(ctx, s.store, a, id)
}

// CreateDownloadProfile defines a download profile (manage_settings).
func (s *Service) CreateDownloadProfile(ctx context.Context, a Actor, in DownloadProfileInput) (domain.DownloadProfile, error) {
	if err := s.member(a); err != nil {
		return domain.DownloadProfile{}, err
	}
	p := domain.DownloadProfile{ID: domain.NewID("dlp"), AccountID: a.AccountID, Name: strings.TrimSpace(in.Name), Description: in.Description}
	ev := a.event(AuditDownloadProfileCreate, "download_profile:"+p.ID)
	ev.Detail = map[string]string{"name": truncate(p.Name, 200)}
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := s.require(a, authz.ManageSettings); err != nil {
			return err
		}
		if err := checkProfileName(p.Name, p.Description); err != nil {
			return err
		}
		var err error
		if p.Rules, err = domain.NormalizeDownloadRules(in.Rules); err != nil {
			return fieldInvalid(err, "rules")
		}
		if p.Holders, err = checkHolders(ctx, tx, a, in.Holders); err != nil {
			return err
		}
		ev.Detail["rules"] = rulesString(p.Rules)
		holderChanges(nil, p.Holders, ev.Detail)
		return unique(tx.CreateDownloadProfile(ctx, p), "a download profile named %q already exists in the account", p.Name)
	})
	if err != nil {
		return domain.DownloadProfile{}, err
	}
	return s.store.GetDownloadProfile(ctx, p.ID)
}

// UpdateDownloadProfile changes a download profile (manage_settings). Its
// holders' downloads follow at once.
func (s *Service) UpdateDownloadProfile(ctx context.Context, a Actor, id string, in DownloadProfileUpdate) (domain.DownloadProfile, error) {
	if err := s.member(a); err != nil {
		return domain.DownloadProfile{}, err
	}
	_, err := s.auditedUpdate(ctx, a.event(AuditDownloadProfileUpdate, "download_profile:"+id), func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := s.require(a, authz.ManageSettings); err != nil {
			return err
		}
		p, err := downloadProfileInAccount(ctx, tx, a, id)
		if err != nil {
			return err
		}
		before := p
		if in.Name != nil {
			p.Name = strings.TrimSpace(*in.Name)
		}
		if in.Description != nil {
			p.Description = *in.Description
		}
		if err := checkProfileName(p.Name, p.Description); err != nil {
			return err
		}
		if in.Rules != nil {
			if p.Rules, err = domain.NormalizeDownloadRules(*in.Rules); err != nil {
				return fieldInvalid(err, "rules")
			}
		}
		if in.Holders != nil {
			if p.Holders, err = checkHolders(ctx, tx, a, *in.Holders); err != nil {
				return err
			}
		}
		ev.Detail = map[string]string{"name": p.Name}
		if before.Name != p.Name {
			ev.Detail["name"] = before.Name + " -> " + p.Name
		}
		if before.Description != p.Description {
			ev.Detail["description"] = "changed"
		}
		if rb, ra := rulesString(before.Rules), rulesString(p.Rules); rb != ra {
			ev.Detail["rules"] = rb + " -> " + ra
		}
		holderChanges(before.Holders, p.Holders, ev.Detail)
		return unique(tx.UpdateDownloadProfile(ctx, p), "a download profile named %q already exists in the account", p.Name)
	})
	if err != nil {
		return domain.DownloadProfile{}, err
	}
	return s.store.GetDownloadProfile(ctx, id)
}

// DeleteDownloadProfile deletes a download profile (manage_settings); its
// holders lose what it allowed.
func (s *Service) DeleteDownloadProfile(ctx context.Context, a Actor, id string) error {
	if err := s.member(a); err != nil {
		return err
	}
	_, err := s.auditedUpdate(ctx, a.event(AuditDownloadProfileDelete, "download_profile:"+id), func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := s.require(a, authz.ManageSettings); err != nil {
			return err
		}
		p, err := downloadProfileInAccount(ctx, tx, a, id)
		if err != nil {
			return err
		}
		ev.Detail = map[string]string{"name": p.Name, "rules": rulesString(p.Rules)}
		holderChanges(p.Holders, nil, ev.Detail)
		return storeErr(tx.DeleteDownloadProfile(ctx, id), "download profile")
	})
	return err
}

// ---- download profiles: the rule

// heldDownloadProfiles returns the actor's account's download profiles
// the actor holds.
func (s *Service) heldDownloadProfiles(ctx context.Context, a Actor) ([]domain.DownloadProfile, error) {
	all, err := s.store.ListDownloadProfiles(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	var out []domain.DownloadProfile
	for _, p := range all {
		if s.holds(a.UserID, p.Holders) {
			out = append(out, p)
		}
	}
	return out, nil
}

// downloadNeeds is the media permission downloading a rendition needs:
// thumbnails and previews are what previewing shows; the large rendition
// and the original are the asset itself.
func downloadNeeds(rendition string) authz.Permission {
	if rendition == domain.RenditionThumbnail || rendition == domain.RenditionPreview {
		return authz.CanPreview
	}
	return authz.CanDownload
}

// decideDownload applies the download rule to a media object the actor
// can see, with the profiles it holds: nil, or the refusal. It also
// returns the names of the profiles allowing the rendition.
func (s *Service) decideDownload(a Actor, m domain.Media, rendition string, held []domain.DownloadProfile) ([]string, *Error) {
	need := downloadNeeds(rendition)
	if !s.Engine().Check(a.UserID, need, authz.ObjectRef{Type: authz.Media, ID: m.ID}) {
		return nil, forbidden("downloading the %s rendition of media %s needs %s on it", rendition, m.ID, need)
	}
	var via []string
	for _, p := range held {
		if p.Allows(m.MediaType, rendition) {
			via = append(via, p.Name)
		}
	}
	if via == nil {
		return nil, profileDenies(rendition, m.MediaType)
	}
	return via, nil
}

// decideView applies the viewing rule: the thumbnail and preview need
// can_preview, the full-size viewer (large) can_view; the original is
// only ever downloaded.
func (s *Service) decideView(a Actor, m domain.Media, rendition string, held []domain.DownloadProfile) *Error {
	need := authz.CanView
	switch rendition {
	case domain.RenditionThumbnail, domain.RenditionPreview:
		need = authz.CanPreview
	case domain.RenditionOriginal:
		_, err := s.decideDownload(a, m, rendition, held)
		return err
	}
	if !s.Engine().Check(a.UserID, need, authz.ObjectRef{Type: authz.Media, ID: m.ID}) {
		return forbidden("viewing the %s rendition of media %s needs %s on it", rendition, m.ID, need)
	}
	return nil
}

// visibleMedia returns a media object the actor can see (not found
// otherwise).
func (s *Service) visibleMedia(ctx context.Context, a Actor, mediaID string) (domain.Media, error) {
	if err := s.member(a); err != nil {
		return domain.Media{}, err
	}
	if err := s.visible(a, authz.ObjectRef{Type: authz.Media, ID: mediaID}); err != nil {
		return domain.Media{}, err
	}
	m, err := s.store.GetMedia(ctx, mediaID)
	return m, storeErr(err, "media")
}

// DownloadAllowed is the download rule, checked at the moment of each
// download: nil if the actor may download the rendition of the media
// object, else not found (the object is not visible to them, or does
// not exist), forbidden (the media's ACL does not give the permission
// the rendition needs) or profile_denies (no download profile of theirs
// allows the rendition for the media's type). An unknown rendition is
// invalid (field rendition).
func (s *Service) DownloadAllowed(ctx context.Context, a Actor, mediaID, rendition string) error {
	if err := domain.CheckRendition(rendition); err != nil {
		return invalidErr("rendition", err)
	}
	m, err := s.visibleMedia(ctx, a, mediaID)
	if err != nil {
		return err
	}
	held, err := s.heldDownloadProfiles(ctx, a)
	if err != nil {
		return err
	}
	if _, e := s.decideDownload(a, m, rendition, held); e != nil {
		return e
	}
	return nil
}

// ViewAllowed is the rule for showing a rendition in the browser (not
// saving it): nil, not found or forbidden as for DownloadAllowed. The
// thumbnail and preview need can_preview and the large rendition can_view,
// with no download profile; the original is a download.
func (s *Service) ViewAllowed(ctx context.Context, a Actor, mediaID, rendition string) error {
	if err := domain.CheckRendition(rendition); err != nil {
		return invalidErr("rendition", err)
	}
	m, err := s.visibleMedia(ctx, a, mediaID)
	if err != nil {
		return err
	}
	var held []domain.DownloadProfile
	if rendition == domain.RenditionOriginal {
		if held, err = s.heldDownloadProfiles(ctx, a); err != nil {
			return err
		}
	}
	if e := s.decideView(a, m, rendition, held); e != nil {
		return e
	}
	return nil
}

// Verdict is whether something is allowed and, if not, why: the error
// code and message the request would get.
type Verdict struct {
	Allowed bool   `json:"allowed"`
	Code    string `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Profiles are the download profiles allowing a download.
	Profiles []string `json:"profiles,omitempty"`
}

func verdict(e *Error, via []string) Verdict {
	if e != nil {
		return Verdict{Code: e.Code, Reason: e.Message}
	}
	return Verdict{Allowed: true, Profiles: via}
}

// RenditionAccess says whether the caller may download and view one
// rendition, and whether it exists: Status is pending, ready or failed
// (with Reason), or none when the media object has no such rendition
// (no file yet; only images get renditions).
type RenditionAccess struct {
	Rendition string  `json:"rendition"`
	Status    string  `json:"status"`
	Reason    string  `json:"reason,omitempty"`
	Download  Verdict `json:"download"`
	View      Verdict `json:"view"`
}

// MediaAccess is what the caller may download and view of a media object.
type MediaAccess struct {
	Media      string            `json:"media"`
	MediaType  string            `json:"media_type"`
	Renditions []RenditionAccess `json:"renditions"`
}

// MediaDownloads tells, for each rendition of a media object the actor
// can see, whether they may download it and view it, and why not.
func (s *Service) MediaDownloads(ctx context.Context, a Actor, mediaID string) (MediaAccess, error) {
	m, err := s.GetMedia(ctx, a, mediaID)
	if err != nil {
		return MediaAccess{}, err
	}
	held, err := s.heldDownloadProfiles(ctx, a)
	if err != nil {
		return MediaAccess{}, err
	}
	out := MediaAccess{Media: m.ID, MediaType: m.MediaType, Renditions: []RenditionAccess{}}
	for _, r := range domain.Renditions {
		via, e := s.decideDownload(a, m, r, held)
		status, reason := renditionStatus(m, r)
		out.Renditions = append(out.Renditions, RenditionAccess{Rendition: r, Status: status, Reason: reason,
			Download: verdict(e, via), View: verdict(s.decideView(a, m, r, held), nil)})
	}
	return out, nil
}

// ---- capture profiles: management

// CaptureProfileInput describes a new capture profile. A nil ACL is the
// account's default ACL for the type at the time of creation.
type CaptureProfileInput struct {
	Name        string
	Description string
	WorkspaceID string
	Fields      []domain.RegistrationField
	RecordACL   *[]domain.ACLEntry
	MediaACL    *[]domain.ACLEntry
	Holders     []authz.Subject
}

// CaptureProfileUpdate changes a capture profile; nil fields stay, lists
// are replaced whole.
type CaptureProfileUpdate struct {
	Name        *string
	Description *string
	WorkspaceID *string
	Fields      *[]domain.RegistrationField
	RecordACL   *[]domain.ACLEntry
	MediaACL    *[]domain.ACLEntry
	Holders     *[]authz.Subject
}

// captureProfileInAccount loads a capture profile of the actor's account;
// another account's do not exist for the actor.
func captureProfileInAccount(ctx context.Context, r store.Reader, a Actor, id string) (domain.CaptureProfile, error) {
	if authz.ValidID(id) != nil {
		return domain.CaptureProfile{}, notFound("capture profile")
	}
	p, err := r.GetCaptureProfile(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && p.AccountID != a.AccountID {
		return domain.CaptureProfile{}, notFound("capture profile")
	}
	return p, err
}

// captureWorkspace checks a capture profile's workspace: one of the
// account that the actor owns, since a profile lets its holders create
// records there as a contributor role would.
func (s *Service) captureWorkspace(ctx context.Context, r store.Reader, a Actor, id string) error {
	if _, err := s.visibleWorkspace(ctx, r, a, id); err != nil {
		if e, ok := AsError(err); ok && e.Kind == KindNotFound {
			return invalid("workspace", "no workspace %s in this account", truncate(id, 100))
		}
		return err
	}
	return s.requireWorkspace(a, id, authz.CanManage, "a capture profile into a workspace, which lets its holders create records there,")
}

// checkTemplateACL validates a capture profile's ACL for type t; the
// template subject user:$creator is the capturing user.
func checkTemplateACL(ctx context.Context, r store.Reader, a Actor, t authz.ObjectType, entries []domain.ACLEntry, field string) ([]domain.ACLEntry, error) {
	norm, err := domain.NormalizeACL(t, entries)
	if err != nil {
		return nil, invalidErr(field, err)
	}
	for _, en := range norm {
		if en.Subject == authz.User(store.DefaultCreator) {
			continue
		}
		if err := checkSubject(ctx, r, a, en.Subject, field); err != nil {
			return nil, err
		}
	}
	return norm, nil
}

// checkCaptureFields validates a capture profile's field definitions.
func checkCaptureFields(defs []domain.RegistrationField) ([]domain.RegistrationField, error) {
	if len(defs) > domain.MaxCaptureFields {
		return nil, invalid("fields", "at most %d fields", domain.MaxCaptureFields)
	}
	out, err := domain.NormalizeFieldDefs(defs, "fields")
	if err != nil {
		return nil, fieldInvalid(err, "fields")
	}
	return out, nil
}

// aclString describes an ACL for the audit log.
func aclString(entries []domain.ACLEntry) string {
	parts := make([]string, len(entries))
	for i, en := range entries {
		parts[i] = en.Subject.String() + ":" + strings.Join(en.Permissions, "+")
	}
	return truncate(strings.Join(parts, ";"), 2000)
}

func fieldsString(defs []domain.RegistrationField) string {
	parts := make([]string, len(defs))
	for i, f := range defs {
		parts[i] = f.Name + ":" + f.Type
		if f.Required {
			parts[i] += "!"
		}
	}
	return truncate(strings.Join(parts, ","), 2000)
}

// ListCaptureProfiles lists the account's capture profiles
// (manage_settings).
func (s *Service) ListCaptureProfiles(ctx context.Context, a Actor) ([]domain.CaptureProfile, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	if err := s.require(a, authz.ManageSettings); err != nil {
		return nil, err
	}
	return s.store.ListCaptureProfiles(ctx, a.AccountID)
}

// GetCaptureProfile returns a capture profile of the account
// (manage_settings).
func (s *Service) GetCaptureProfile(ctx context.Context, a Actor, id string) (domain.CaptureProfile, error) {
	if err := s.member(a); err != nil {
		return domain.CaptureProfile{}, err
	}
	if err := s.require(a, authz.ManageSettings); err != nil {
		return domain.CaptureProfile{}, err
	}
	return captureProfileInAccount(ctx, s.store, a, id)
}

// CreateCaptureProfile defines a capture profile (manage_settings and the
// owner role on its workspace).
func (s *Service) CreateCaptureProfile(ctx context.Context, a Actor, in CaptureProfileInput) (domain.CaptureProfile, error) {
	if err := s.member(a); err != nil {
		return domain.CaptureProfile{}, err
	}
	p := domain.CaptureProfile{ID: domain.NewID("cap"), AccountID: a.AccountID, Name: strings.TrimSpace(in.Name), Description: in.Description, WorkspaceID: in.WorkspaceID}
	ev := a.event(AuditCaptureProfileCreate, "capture_profile:"+p.ID)
	ev.Detail = map[string]string{"name": truncate(p.Name, 200), "workspace": truncate(p.WorkspaceID, 100)}
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := s.require(a, authz.ManageSettings); err != nil {
			return err
		}
		if err := checkProfileName(p.Name, p.Description); err != nil {
			return err
		}
		if err := s.captureWorkspace(ctx, tx, a, p.WorkspaceID); err != nil {
			return err
		}
		var err error
		if p.Fields, err = checkCaptureFields(in.Fields); err != nil {
			return err
		}
		for _, acl := range []struct {
			t     authz.ObjectType
			in    *[]domain.ACLEntry
			out   *[]domain.ACLEntry
			field string
		}{{authz.Record, in.RecordACL, &p.RecordACL, "record_acl"}, {authz.Media, in.MediaACL, &p.MediaACL, "media_acl"}} {
			var entries []domain.ACLEntry
			if acl.in != nil {
				entries = *acl.in
			} else if entries, err = tx.GetDefaultACL(ctx, a.AccountID, acl.t); err != nil {
				return err
			}
			if *acl.out, err = checkTemplateACL(ctx, tx, a, acl.t, entries, acl.field); err != nil {
				return err
			}
		}
		if p.Holders, err = checkHolders(ctx, tx, a, in.Holders); err != nil {
			return err
		}
		ev.Detail["fields"] = fieldsString(p.Fields)
		ev.Detail["record_acl"] = aclString(p.RecordACL)
		ev.Detail["media_acl"] = aclString(p.MediaACL)
		holderChanges(nil, p.Holders, ev.Detail)
		return unique(tx.CreateCaptureProfile(ctx, p), "a capture profile named %q already exists in the account", p.Name)
	})
	if err != nil {
		return domain.CaptureProfile{}, err
	}
	return s.store.GetCaptureProfile(ctx, p.ID)
}

// UpdateCaptureProfile changes a capture profile (manage_settings and the
// owner role on its workspace, and on the new one if it moves).
func (s *Service) UpdateCaptureProfile(ctx context.Context, a Actor, id string, in CaptureProfileUpdate) (domain.CaptureProfile, error) {
	if err := s.member(a); err != nil {
		return domain.CaptureProfile{}, err
	}
	_, err := s.auditedUpdate(ctx, a.event(AuditCaptureProfileUpdate, "capture_profile:"+id), func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := s.require(a, authz.ManageSettings); err != nil {
			return err
		}
		p, err := captureProfileInAccount(ctx, tx, a, id)
		if err != nil {
			return err
		}
		before := p
		if err := s.requireWorkspace(a, p.WorkspaceID, authz.CanManage, "changing a capture profile into this workspace"); err != nil {
			return err
		}
		if in.Name != nil {
			p.Name = strings.TrimSpace(*in.Name)
		}
		if in.Description != nil {
			p.Description = *in.Description
		}
		if err := checkProfileName(p.Name, p.Description); err != nil {
			return err
		}
		if in.WorkspaceID != nil && *in.WorkspaceID != p.WorkspaceID {
			if err := s.captureWorkspace(ctx, tx, a, *in.WorkspaceID); err != nil {
				return err
			}
			p.WorkspaceID = *in.WorkspaceID
		}
		if in.Fields != nil {
			if p.Fields, err = checkCaptureFields(*in.Fields); err != nil {
				return err
			}
		}
		if in.RecordACL != nil {
			if p.RecordACL, err = checkTemplateACL(ctx, tx, a, authz.Record, *in.RecordACL, "record_acl"); err != nil {
				return err
			}
		}
		if in.MediaACL != nil {
			if p.MediaACL, err = checkTemplateACL(ctx, tx, a, authz.Media, *in.MediaACL, "media_acl"); err != nil {
				return err
			}
		}
		if in.Holders != nil {
			if p.Holders, err = checkHolders(ctx, tx, a, *in.Holders); err != nil {
				return err
			}
		}
		ev.Detail = map[string]string{"name": p.Name}
		for _, c := range []struct{ key, before, after string }{
			{"name", before.Name, p.Name},
			{"workspace", before.WorkspaceID, p.WorkspaceID},
			{"fields", fieldsString(before.Fields), fieldsString(p.Fields)},
			{"record_acl", aclString(before.RecordACL), aclString(p.RecordACL)},
			{"media_acl", aclString(before.MediaACL), aclString(p.MediaACL)},
		} {
			if c.before != c.after {
				ev.Detail[c.key] = c.before + " -> " + c.after
			}
		}
		if before.Description != p.Description {
			ev.Detail["description"] = "changed"
		}
		holderChanges(before.Holders, p.Holders, ev.Detail)
		return unique(tx.UpdateCaptureProfile(ctx, p), "a capture profile named %q already exists in the account", p.Name)
	})
	if err != nil {
		return domain.CaptureProfile{}, err
	}
	return s.store.GetCaptureProfile(ctx, id)
}

// DeleteCaptureProfile deletes a capture profile (manage_settings and the
// owner role on its workspace). What was captured through it stays.
func (s *Service) DeleteCaptureProfile(ctx context.Context, a Actor, id string) error {
	if err := s.member(a); err != nil {
		return err
	}
	_, err := s.auditedUpdate(ctx, a.event(AuditCaptureProfileDelete, "capture_profile:"+id), func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := s.require(a, authz.ManageSettings); err != nil {
			return err
		}
		p, err := captureProfileInAccount(ctx, tx, a, id)
		if err != nil {
			return err
		}
		ev.Detail = map[string]string{"name": p.Name, "workspace": p.WorkspaceID}
		holderChanges(p.Holders, nil, ev.Detail)
		if err := s.requireWorkspace(a, p.WorkspaceID, authz.CanManage, "deleting a capture profile into this workspace"); err != nil {
			return err
		}
		return storeErr(tx.DeleteCaptureProfile(ctx, id), "capture profile")
	})
	return err
}

// ---- capture profiles: capturing

// CaptureProfileSummary is what a holder sees of a capture profile: where
// it captures to and the fields to fill in.
type CaptureProfileSummary struct {
	ID          string                     `json:"id"`
	Name        string                     `json:"name"`
	Description string                     `json:"description"`
	WorkspaceID string                     `json:"workspace"`
	Fields      []domain.RegistrationField `json:"fields"`
}

// MyCaptureProfiles lists the capture profiles the actor holds.
func (s *Service) MyCaptureProfiles(ctx context.Context, a Actor) ([]CaptureProfileSummary, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	all, err := s.store.ListCaptureProfiles(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	out := []CaptureProfileSummary{}
	for _, p := range all {
		if s.holds(a.UserID, p.Holders) {
			out = append(out, CaptureProfileSummary{ID: p.ID, Name: p.Name, Description: p.Description, WorkspaceID: p.WorkspaceID, Fields: p.Fields})
		}
	}
	return out, nil
}

// heldCaptureProfile loads a capture profile the actor holds. One they do
// not hold does not exist for them, unless they manage settings: then it
// is refused as not assigned.
func (s *Service) heldCaptureProfile(ctx context.Context, r store.Reader, a Actor, id string) (domain.CaptureProfile, error) {
	p, err := captureProfileInAccount(ctx, r, a, id)
	if err != nil {
		return p, err
	}
	if !s.holds(a.UserID, p.Holders) {
		if s.can(a, authz.ManageSettings) {
			return p, &Error{Kind: KindForbidden, Code: "profile_not_assigned", Message: fmt.Sprintf("capture profile %q is not assigned to you", p.Name)}
		}
		return p, notFound("capture profile")
	}
	return p, nil
}

// mayCapture is the capture rule's authority: the contributor role on
// the profile's workspace, or the capture application, for which the
// profile itself is the authority.
func (s *Service) mayCapture(a Actor, p domain.CaptureProfile) error {
	e := s.Engine()
	if e.Check(a.UserID, authz.CanEdit, authz.ObjectRef{Type: authz.Workspace, ID: p.WorkspaceID}) || e.UserCanUse(a.UserID, authz.AppCapture) {
		return nil
	}
	return forbidden("capturing through profile %q needs the capture application, or the contributor role on its workspace", p.Name)
}

// capturedACL is a captured object's ACL: the profile's, with the
// creator template resolved to the actor, who keeps edit on what they
// captured.
func capturedACL(t authz.ObjectType, template []domain.ACLEntry, userID string) []domain.ACLEntry {
	withCreator := append(slices.Clone(template), domain.ACLEntry{Subject: authz.User(store.DefaultCreator), Permissions: []string{"edit"}})
	return resolveCreator(t, withCreator, userID)
}

// captureOnly reports whether the user's only application is capture.
func (s *Service) captureOnly(userID string) bool {
	e := s.Engine()
	return e.UserCanUse(userID, authz.AppCapture) && !e.UserCanUse(userID, authz.AppPortal) && !e.UserCanUse(userID, authz.AppConnect)
}

// CaptureInput is a record captured through a profile. Fields are values
// as decoded from JSON, checked against the profile's definitions.
type CaptureInput struct {
	Title       string
	Description string
	Keywords    []string
	Fields      map[string]any
	MediaType   string
}

// CaptureRecord creates a record through a capture profile the actor
// holds, in its workspace, with its fields checked (a missing required
// field or a value of the wrong type is invalid, naming fields.NAME) and
// its record ACL.
func (s *Service) CaptureRecord(ctx context.Context, a Actor, profileID string, in CaptureInput) (domain.Record, error) {
	if err := s.member(a); err != nil {
		return domain.Record{}, err
	}
	rec := domain.Record{ID: domain.NewID("rec"), Title: strings.TrimSpace(in.Title), Description: in.Description, MediaType: in.MediaType, CreatedBy: a.UserID}
	ev := a.event(AuditCaptureRecord, "record:"+rec.ID)
	ev.Detail = map[string]string{"profile": truncate(profileID, 100)}
	var held *heldUpload
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		p, err := s.heldCaptureProfile(ctx, tx, a, profileID)
		if err != nil {
			return err
		}
		ev.Detail["profile_name"], ev.Detail["workspace"] = p.Name, p.WorkspaceID
		if err := s.mayCapture(a, p); err != nil {
			return err
		}
		if err := checkRecordFields(rec.Title, rec.Description, rec.MediaType); err != nil {
			return err
		}
		if rec.Keywords, err = domain.CheckKeywords(in.Keywords); err != nil {
			return invalidErr("keywords", err)
		}
		if rec.Fields, err = domain.CheckCaptureFields(p.Fields, in.Fields); err != nil {
			return fieldInvalid(err, "fields")
		}
		if err := domain.CheckFields(rec.Fields); err != nil {
			return invalidErr("fields", err)
		}
		rec.WorkspaceID = p.WorkspaceID
		rec.ACL = capturedACL(authz.Record, p.RecordACL, a.UserID)
		if err := tx.CreateRecord(ctx, rec); err != nil {
			return err
		}
		held, err = s.holdUpload(ctx, tx, a, authz.ObjectRef{Type: authz.Record, ID: rec.ID}, rec.ID, rec.Title)
		return err
	})
	if err != nil {
		return domain.Record{}, err
	}
	s.announceHeld(ctx, held)
	return s.GetRecord(ctx, a, rec.ID)
}

// CaptureMedia attaches a media object to a record captured into a
// capture profile's workspace, with the profile's media ACL. It needs the
// profile and can_edit on the record (which its capturer keeps).
func (s *Service) CaptureMedia(ctx context.Context, a Actor, profileID, recordID string, in MediaInput) (domain.Media, error) {
	if err := s.member(a); err != nil {
		return domain.Media{}, err
	}
	m := domain.Media{ID: domain.NewID("med"), RecordID: recordID, MediaType: in.MediaType, Filename: strings.TrimSpace(in.Filename)}
	ev := a.event(AuditCaptureMedia, "media:"+m.ID)
	ev.Detail = map[string]string{"profile": truncate(profileID, 100), "record": truncate(recordID, 100)}
	var held *heldUpload
	_, err := s.auditedUpdate(ctx, ev, func(tx store.Tx, ev *domain.AuditEvent) error {
		p, err := s.heldCaptureProfile(ctx, tx, a, profileID)
		if err != nil {
			return err
		}
		ev.Detail["profile_name"] = p.Name
		if err := s.mayCapture(a, p); err != nil {
			return err
		}
		recRef := authz.ObjectRef{Type: authz.Record, ID: recordID}
		if err := s.allowed(a, authz.CanEdit, recRef, "adding media"); err != nil {
			return err
		}
		if ws, _ := s.Engine().WorkspaceOf(recRef); ws != p.WorkspaceID {
			return forbidden("record %s is not in the workspace of capture profile %q", recordID, p.Name)
		}
		if err := domain.CheckMediaType(m.MediaType); err != nil {
			return invalidErr("media_type", err)
		}
		if err := checkFilename(m.Filename); err != nil {
			return err
		}
		m.ACL = capturedACL(authz.Media, p.MediaACL, a.UserID)
		if err := tx.CreateMedia(ctx, m); err != nil {
			return err
		}
		held, err = s.holdUpload(ctx, tx, a, authz.ObjectRef{Type: authz.Media, ID: m.ID}, m.RecordID, m.Filename)
		return err
	})
	if err != nil {
		return domain.Media{}, err
	}
	s.announceHeld(ctx, held)
	return s.GetMedia(ctx, a, m.ID)
}

// seedDownloadProfile gives a new account the profile that lets
// downloads follow the ACLs alone (see the rule above).
func seedDownloadProfile(ctx context.Context, tx store.Tx, accountID string) error {
	return tx.CreateDownloadProfile(ctx, domain.DownloadProfile{ID: domain.NewID("dlp"), AccountID: accountID, Name: "All renditions",
		Description: "Every rendition of every media type. Held by everyone when the account was created: give it to fewer holders, or narrow its rules, to restrict downloads.",
		Rules:       []domain.DownloadRule{{MediaType: domain.Any, Renditions: []string{domain.Any}}},
		Holders:     []authz.Subject{authz.EveryoneSubject}})
}
