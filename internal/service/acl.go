package service

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// loadACL reads an object's current ACL.
func loadACL(ctx context.Context, r store.Reader, ref authz.ObjectRef) ([]domain.ACLEntry, error) {
	switch ref.Type {
	case authz.Record:
		rec, err := r.GetRecord(ctx, ref.ID)
		return rec.ACL, storeErr(err, "record")
	case authz.Media:
		m, err := r.GetMedia(ctx, ref.ID)
		return m.ACL, storeErr(err, "media")
	case authz.Collection:
		c, err := r.GetCollection(ctx, ref.ID)
		return c.ACL, storeErr(err, "collection")
	}
	return nil, notFound(ref.Type.String())
}

// GetACL returns the ACL of an object the actor can see.
func (s *Service) GetACL(ctx context.Context, a Actor, ref authz.ObjectRef) ([]domain.ACLEntry, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	if err := s.visible(a, ref); err != nil {
		return nil, err
	}
	return loadACL(ctx, s.store, ref)
}

// SetACL replaces the ACL of an object (owner role on its workspace).
func (s *Service) SetACL(ctx context.Context, a Actor, ref authz.ObjectRef, entries []domain.ACLEntry) ([]domain.ACLEntry, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	_, err := s.auditedUpdate(ctx, a.event(AuditACLSet, ref.String()), func(tx store.Tx, ev *domain.AuditEvent) error {
		if err := s.canManage(a, ref); err != nil {
			return err
		}
		norm, err := checkACL(ctx, tx, a, ref.Type, entries, "entries")
		if err != nil {
			return err
		}
		ev.Detail = map[string]string{"entries": aclSummary(norm)}
		return storeErr(tx.SetACL(ctx, ref, norm), ref.Type.String())
	})
	if err != nil {
		return nil, err
	}
	return loadACL(ctx, s.store, ref)
}

// DefaultACLs returns the account's default ACL for each content type.
func (s *Service) DefaultACLs(ctx context.Context, a Actor) (map[authz.ObjectType][]domain.ACLEntry, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	out := map[authz.ObjectType][]domain.ACLEntry{}
	for _, t := range []authz.ObjectType{authz.Record, authz.Media, authz.Collection} {
		entries, err := s.store.GetDefaultACL(ctx, a.AccountID, t)
		if err != nil {
			return nil, err
		}
		out[t] = entries
	}
	return out, nil
}

// SetDefaultACL replaces the default ACL of a content type
// (manage_settings). The subject user:$creator stands for whoever creates
// the object.
func (s *Service) SetDefaultACL(ctx context.Context, a Actor, t authz.ObjectType, entries []domain.ACLEntry) ([]domain.ACLEntry, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	if err := s.require(a, authz.ManageSettings); err != nil {
		return nil, err
	}
	if !t.IsContent() {
		return nil, invalid("type", "default ACLs exist for record, media and collection")
	}
	_, err := s.update(ctx, func(tx store.Tx) error {
		norm, err := domain.NormalizeACL(t, entries)
		if err != nil {
			return invalidErr("entries", err)
		}
		for _, en := range norm {
			if en.Subject == authz.User(store.DefaultCreator) {
				continue
			}
			if err := checkSubject(ctx, tx, a, en.Subject, "entries"); err != nil {
				return err
			}
		}
		return tx.SetDefaultACL(ctx, a.AccountID, t, norm)
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetDefaultACL(ctx, a.AccountID, t)
}

// Batch ACL operations.
const (
	BatchAdd     = "add"     // add the entries' permissions to each object's ACL
	BatchRemove  = "remove"  // remove the entries' permissions from each ACL
	BatchReplace = "replace" // make each ACL exactly the entries
)

// MaxBatchObjects bounds one batch ACL edit.
const MaxBatchObjects = 100_000

// BatchACL edits the ACLs of many objects at once.
type BatchACL struct {
	Type    authz.ObjectType
	IDs     []string
	Op      string
	Entries []domain.ACLEntry
	DryRun  bool
}

// TupleChange counts the objects on which one (subject, permission) is
// added or removed.
type TupleChange struct {
	Subject    authz.Subject `json:"subject"`
	Permission string        `json:"permission"`
	Objects    int           `json:"objects"`
}

// BatchResult reports a batch edit, or what it would do.
type BatchResult struct {
	DryRun     bool          `json:"dry_run"`
	Objects    int           `json:"objects"` // selected
	Changed    int           `json:"changed"` // whose ACL changes
	Added      []TupleChange `json:"added"`
	Removed    []TupleChange `json:"removed"`
	ChangedIDs []string      `json:"changed_ids"` // the first 1000
}

type tuple struct {
	subject authz.Subject
	perm    string
}

func tuples(entries []domain.ACLEntry) map[tuple]bool {
	out := map[tuple]bool{}
	for _, en := range entries {
		for _, p := range en.Permissions {
			out[tuple{en.Subject, p}] = true
		}
	}
	return out
}

// EditACLs applies a batch ACL edit to every selected object in one
// transaction, or with DryRun reports what it would change without
// writing. Every object must be visible to the actor (else not found) and
// manageable by it (else forbidden); one failure fails the whole batch.
func (s *Service) EditACLs(ctx context.Context, a Actor, b BatchACL) (BatchResult, error) {
	ev := a.event(AuditACLBatch, "")
	ev.Detail = map[string]string{"type": b.Type.String(), "op": b.Op, "objects": strconv.Itoa(len(b.IDs)), "entries": aclSummary(b.Entries)}
	res, err := s.editACLs(ctx, a, b, &ev)
	if err != nil && !b.DryRun {
		return res, s.refused(ctx, ev, err)
	}
	return res, err
}

func (s *Service) editACLs(ctx context.Context, a Actor, b BatchACL, ev *domain.AuditEvent) (BatchResult, error) {
	res := BatchResult{DryRun: b.DryRun, Added: []TupleChange{}, Removed: []TupleChange{}, ChangedIDs: []string{}}
	if err := s.member(a); err != nil {
		return res, err
	}
	if !b.Type.IsContent() {
		return res, invalid("type", "batch ACL edits apply to record, media or collection")
	}
	switch b.Op {
	case BatchAdd, BatchRemove, BatchReplace:
	default:
		return res, invalid("op", "op must be add, remove or replace")
	}
	if len(b.IDs) == 0 {
		return res, invalid("ids", "select at least one object")
	}
	if len(b.IDs) > MaxBatchObjects {
		return res, &Error{Kind: KindTooLarge, Code: "too_many_objects", Field: "ids", Message: "a batch selects at most 100000 objects"}
	}
	ids := make([]string, 0, len(b.IDs))
	seen := map[string]bool{}
	for _, id := range b.IDs {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		ref := authz.ObjectRef{Type: b.Type, ID: id}
		if err := s.canManage(a, ref); err != nil {
			if e, ok := AsError(err); ok {
				e.Message = b.Type.String() + " " + id + ": " + e.Message
			}
			return res, err
		}
	}
	res.Objects = len(ids)
	// run computes the edit's tuples to add and remove, object by object,
	// and the counts the result reports.
	var add, remove []store.ACLTuple
	// ops hold the changed objects' new ACLs: the engine applies them
	// rather than re-reading 100k objects after the commit.
	var ops []authz.Op
	run := func(r store.Reader) error {
		entries, err := checkACL(ctx, r, a, b.Type, b.Entries, "entries")
		if err != nil {
			return err
		}
		if b.Op != BatchReplace && len(entries) == 0 {
			return invalid("entries", "give at least one entry to %s", b.Op)
		}
		want := tuples(entries)
		current, err := r.GetACLs(ctx, b.Type, ids)
		if err != nil {
			return err
		}
		// Approved access requests' grants are part of what the engine
		// holds for an object, but not of its ACL: add them back.
		granted, err := r.AccessGrantsOn(ctx, b.Type.String(), ids)
		if err != nil {
			return err
		}
		added, removed := map[tuple]int{}, map[tuple]int{}
		for _, id := range ids {
			have := tuples(current[id])
			changed := false
			if b.Op != BatchRemove {
				for tp := range want {
					if !have[tp] {
						added[tp]++
						add = append(add, store.ACLTuple{Object: id, Subject: tp.subject, Permission: tp.perm})
						changed = true
					}
				}
			}
			for tp := range have {
				if b.Op == BatchRemove && want[tp] || b.Op == BatchReplace && !want[tp] {
					removed[tp]++
					remove = append(remove, store.ACLTuple{Object: id, Subject: tp.subject, Permission: tp.perm})
					changed = true
				}
			}
			if !changed {
				continue
			}
			if !b.DryRun {
				acl, err := domain.WithGrantedACL(b.Type, engineACL(b.Type, have, want, b.Op), granted[id])
				if err != nil {
					return err
				}
				ops = append(ops, authz.SetACL{Ref: authz.ObjectRef{Type: b.Type, ID: id}, ACL: acl})
			}
			res.Changed++
			if len(res.ChangedIDs) < 1000 {
				res.ChangedIDs = append(res.ChangedIDs, id)
			}
		}
		res.Added, res.Removed = summarize(added), summarize(removed)
		return nil
	}
	if b.DryRun {
		err := s.store.Snapshot(ctx, run)
		return res, err
	}
	_, err := s.updateApplying(ctx, func(tx store.Tx) ([]authz.Op, error) {
		add, remove, ops = add[:0], remove[:0], ops[:0]
		if err := run(tx); err != nil {
			return nil, err
		}
		ev.Detail["changed"] = strconv.Itoa(res.Changed)
		if err := tx.Audit(ctx, *ev); err != nil {
			return nil, err
		}
		return ops, tx.ChangeACLs(ctx, b.Type, add, remove)
	})
	return res, err
}

// aclSummary writes ACL entries for the audit log: "user:u1=view,edit; everyone=view".
func aclSummary(entries []domain.ACLEntry) string {
	parts := make([]string, 0, len(entries))
	for _, en := range entries {
		parts = append(parts, en.Subject.String()+"="+strings.Join(en.Permissions, ","))
	}
	return strings.Join(parts, "; ")
}

// engineACL is the engine form of an object's ACL after op applied want
// to the tuples it had.
func engineACL(t authz.ObjectType, have, want map[tuple]bool, op string) []authz.ACLEntry {
	levels := map[authz.Subject]authz.Level{}
	keep := func(tp tuple) {
		if l, err := authz.ParseACLPermission(t, tp.perm); err == nil {
			levels[tp.subject] = max(levels[tp.subject], l)
		}
	}
	for tp := range have {
		if op == BatchAdd || op == BatchRemove && !want[tp] || op == BatchReplace && want[tp] {
			keep(tp)
		}
	}
	if op != BatchRemove {
		for tp := range want {
			keep(tp)
		}
	}
	out := make([]authz.ACLEntry, 0, len(levels))
	for sub, l := range levels {
		out = append(out, authz.ACLEntry{Subject: sub, Level: l})
	}
	return out
}

func summarize(m map[tuple]int) []TupleChange {
	out := make([]TupleChange, 0, len(m))
	for tp, n := range m {
		out = append(out, TupleChange{Subject: tp.subject, Permission: tp.perm, Objects: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject.String() < out[j].Subject.String()
		}
		return out[i].Permission < out[j].Permission
	})
	return out
}
