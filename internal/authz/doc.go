// Package authz is Atrium's permission engine: the one place that decides
// who may do what.
//
// The engine holds an in-memory mirror of every permission-relevant fact
// (account roles, group membership, tier and workspace grants, object ACLs,
// user status) and answers Check, List, Explain and Who from it without I/O.
// Its semantics are exactly those of spec/reference-model.fga plus the two
// rules outside the model: a user whose status is not active holds no
// permission, and accounts never mix (an object of another account, or one
// that does not exist, is simply not allowed). A record or media object
// held for moderation (Hold) is, in the model's own terms, one with no
// workspace relation and its hold's ACL instead of its own.
//
// The store is the source of truth. After a write transaction commits, the
// caller describes the new state of every entity the transaction touched as
// whole-entity operations (PutRecord, PutGroup, ...) and hands them to Apply
// together with the committed revision. Apply installs them atomically:
// a reader sees either none or all of one transaction's operations.
// Loading at start-up is the same path: one Apply of every entity.
//
// Internally principals (users, groups, and each account's "everyone") get
// dense ids, and each user keeps the sorted closure of principals it acts
// as (itself, every group it is in transitively, its account's everyone), so
// a check intersects an object's short grant lists with that closure.
// Listings use roaring bitmaps of dense object ordinals: per workspace, and
// per principal and ACL level.
package authz
