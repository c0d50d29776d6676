package service

import (
	"context"

	"atrium/internal/authz"
)

// subjectUser resolves the subject of a permission query. Users may ask
// about themselves; asking about another user of the account needs
// review_access, and a subject outside the account does not exist.
func (s *Service) subjectUser(a Actor, subject string) (string, error) {
	subj, err := authz.ParseSubject(subject)
	if err != nil || subj.Kind != authz.UserSubject {
		return "", invalid("subject", "subject must be user:ID")
	}
	if subj.ID == a.UserID {
		return subj.ID, nil
	}
	if !s.can(a, authz.ReviewAccess) {
		return "", forbidden("asking about another user needs the review_access permission")
	}
	if acct, ok := s.Engine().UserAccount(subj.ID); !ok || acct != a.AccountID {
		return "", notFound("subject")
	}
	return subj.ID, nil
}

func checkPermission(t authz.ObjectType, name string) (authz.Permission, error) {
	p, err := authz.ParsePermission(name)
	if err != nil {
		return 0, invalidErr("permission", err)
	}
	if !authz.Supported(t, p) {
		return 0, invalid("permission", "%s is not a permission of %s", name, t)
	}
	return p, nil
}

func parseContentRef(object string) (authz.ObjectRef, error) {
	ref, err := authz.ParseObjectRef(object)
	if err != nil {
		return ref, invalidErr("object", err)
	}
	if !ref.Type.IsContent() && ref.Type != authz.Workspace {
		return ref, invalid("object", "permissions are asked about records, media, collections and workspaces")
	}
	return ref, nil
}

// Check answers whether subject has permission on object.
func (s *Service) Check(ctx context.Context, a Actor, subject, permission, object string) (bool, error) {
	if err := s.member(a); err != nil {
		return false, err
	}
	user, err := s.subjectUser(a, subject)
	if err != nil {
		return false, err
	}
	ref, err := parseContentRef(object)
	if err != nil {
		return false, err
	}
	p, err := checkPermission(ref.Type, permission)
	if err != nil {
		return false, err
	}
	return s.Engine().Check(user, p, ref), nil
}

// ListObjects pages through the ids of objects of a type on which subject
// has permission.
func (s *Service) ListObjects(ctx context.Context, a Actor, subject, permission, typ string, q ListQuery) (authz.Page, error) {
	if err := s.member(a); err != nil {
		return authz.Page{}, err
	}
	user, err := s.subjectUser(a, subject)
	if err != nil {
		return authz.Page{}, err
	}
	t, err := authz.ParseObjectType(typ)
	if err != nil || !t.IsContent() {
		return authz.Page{}, invalid("type", "type must be record, media or collection")
	}
	if q.Permission, err = checkPermission(t, permission); err != nil {
		return authz.Page{}, err
	}
	return s.pageUpTo(Actor{UserID: user, AccountID: a.AccountID}, t, q, MaxIDPage)
}

// Explain says why subject has, or has not, permission on object. An
// object the actor cannot see is explained as not found, whatever the
// subject's access.
func (s *Service) Explain(ctx context.Context, a Actor, subject, permission, object string) (authz.Explanation, error) {
	if err := s.member(a); err != nil {
		return authz.Explanation{}, err
	}
	user, err := s.subjectUser(a, subject)
	if err != nil {
		return authz.Explanation{}, err
	}
	ref, err := parseContentRef(object)
	if err != nil {
		return authz.Explanation{}, err
	}
	p, err := checkPermission(ref.Type, permission)
	if err != nil {
		return authz.Explanation{}, err
	}
	ex := s.Engine().Explain(user, p, ref)
	if !ex.Allowed && !s.canSee(a, ref) {
		return authz.Explanation{Reason: authz.DeniedNotFound, Paths: []authz.Path{}}, nil
	}
	return ex, nil
}

func (s *Service) canSee(a Actor, ref authz.ObjectRef) bool {
	if ref.Type == authz.Workspace {
		return s.Engine().Check(a.UserID, authz.CanView, ref)
	}
	return s.Engine().Check(a.UserID, viewPermission(ref.Type), ref)
}

// Who lists the active users who have permission on object. The actor must
// see the object, and either hold review_access or own its workspace.
func (s *Service) Who(ctx context.Context, a Actor, permission, object string) ([]string, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	ref, err := parseContentRef(object)
	if err != nil {
		return nil, err
	}
	p, err := checkPermission(ref.Type, permission)
	if err != nil {
		return nil, err
	}
	if !s.canSee(a, ref) {
		return nil, notFound(ref.Type.String())
	}
	e := s.Engine()
	ws := ref.ID
	if ref.Type != authz.Workspace {
		ws, _ = e.WorkspaceOf(ref)
	}
	if !s.can(a, authz.ReviewAccess) && !e.Check(a.UserID, authz.CanManage, authz.ObjectRef{Type: authz.Workspace, ID: ws}) {
		return nil, forbidden("listing who has access needs review_access or the owner role on the workspace")
	}
	return e.Who(p, ref), nil
}
