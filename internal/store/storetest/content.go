package storetest

import (
	"sort"
	"testing"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// contentWorld creates an account "acc" with users u1 and u2, group g1 and
// workspaces ws and ws2.
func contentWorld(f *fixture) {
	f.t.Helper()
	f.create(account("acc"), user("acc", "u1"), user("acc", "u2"), group("acc", "g1"),
		workspace("acc", "ws", ""), workspace("acc", "ws2", ""))
}

func recordIDs(rs []domain.Record) []string {
	ids := []string{}
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

func mediaIDs(ms []domain.Media) []string {
	ids := []string{}
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

var recordCases = []testCase{
	{"a created record reads back with its fields and its ACL sorted by subject, permissions in level order", func(t *testing.T, f *fixture) {
		contentWorld(f)
		want := domain.Record{ID: "r1", WorkspaceID: "ws", Title: "Sunset", Description: "Over the\nsea",
			Keywords: []string{"sea", "evening", "sun"}, Fields: map[string]string{"camera": "X100", "iso": "200"},
			MediaType: "image", CreatedBy: "u1",
			ACL: []domain.ACLEntry{
				entry(u("u2"), "edit", "view"),
				entry(authz.EveryoneSubject, "view"),
				entry(u("u1"), "view"),
				entry(gr("g1"), "edit"),
			}}
		now := f.createAt(want)
		want.ACL = []domain.ACLEntry{
			entry(authz.EveryoneSubject, "view"),
			entry(gr("g1"), "edit"),
			entry(u("u1"), "view"),
			entry(u("u2"), "view", "edit"),
		}
		want.CreatedAt, want.UpdatedAt = now, now
		got, err := f.s.GetRecord(f.ctx, "r1")
		f.must(err)
		diff(t, "record", want, got)
	}},
	{"a record created without keywords, fields, creator or ACL reads back with none", func(t *testing.T, f *fixture) {
		contentWorld(f)
		want := domain.Record{ID: "r1", WorkspaceID: "ws", Title: "Bare"}
		now := f.createAt(want)
		want.CreatedAt, want.UpdatedAt = now, now
		got, err := f.s.GetRecord(f.ctx, "r1")
		f.must(err)
		diff(t, "record", want, got)
	}},
	{"GetRecords returns the existing records in the caller's order and skips missing ids", func(t *testing.T, f *fixture) {
		contentWorld(f)
		f.create(record("ws", "r1", entry(u("u1"), "view")), record("ws", "r2"), record("ws2", "r3"))
		for _, c := range []struct {
			name string
			ids  []string
			want []string
		}{
			{"in reverse order", []string{"r3", "r2", "r1"}, []string{"r3", "r2", "r1"}},
			{"with missing ids in between", []string{"nope", "r2", "gone", "r1"}, []string{"r2", "r1"}},
			{"only missing ids", []string{"nope"}, nil},
			{"no ids", nil, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := f.at(t)
				got, err := f.s.GetRecords(f.ctx, c.ids)
				f.must(err)
				diff(t, "record ids", c.want, recordIDs(got))
				for _, r := range got {
					if r.ID == "r1" {
						diff(t, "ACL of r1", []domain.ACLEntry{entry(u("u1"), "view")}, r.ACL)
					}
				}
			})
		}
	}},
	{"UpdateRecord changes title, description, keywords, fields and media type only", func(t *testing.T, f *fixture) {
		contentWorld(f)
		r := record("ws", "r1", entry(u("u2"), "edit"))
		r.CreatedBy, r.Keywords, r.Fields, r.MediaType = "u1", []string{"a"}, map[string]string{"k": "v"}, "image"
		created := f.createAt(r)
		upd := domain.Record{ID: "r1", WorkspaceID: "ws2", Title: "New title", Description: "New description",
			Keywords: []string{"b", "c"}, Fields: map[string]string{"k2": "v2"}, MediaType: "video", CreatedBy: "u2",
			ACL: []domain.ACLEntry{entry(u("u1"), "view")}}
		var updated = created
		f.update(func(tx store.Tx) error { updated = tx.Now(); return tx.UpdateRecord(f.ctx, upd) })
		want := r
		want.Title, want.Description, want.Keywords, want.Fields, want.MediaType = upd.Title, upd.Description, upd.Keywords, upd.Fields, upd.MediaType
		want.CreatedAt, want.UpdatedAt = created, updated
		got, err := f.s.GetRecord(f.ctx, "r1")
		f.must(err)
		diff(t, "updated record", want, got)
	}},
	{"a created media object reads back with its ACL sorted by subject, permissions in level order", func(t *testing.T, f *fixture) {
		contentWorld(f)
		f.create(record("ws", "r1"))
		want := domain.Media{ID: "m1", RecordID: "r1", MediaType: "document", Filename: "report.pdf",
			ACL: []domain.ACLEntry{entry(u("u1"), "download", "preview"), entry(gr("g1"), "edit", "view", "preview")}}
		now := f.createAt(want)
		want.ACL = []domain.ACLEntry{entry(gr("g1"), "preview", "view", "edit"), entry(u("u1"), "preview", "download")}
		want.CreatedAt, want.UpdatedAt = now, now
		got, err := f.s.GetMedia(f.ctx, "m1")
		f.must(err)
		diff(t, "media", want, got)
	}},
	{"ListRecordMedia lists a record's media only", func(t *testing.T, f *fixture) {
		contentWorld(f)
		f.create(record("ws", "r1"), record("ws", "r2"), record("ws", "r3"),
			media("r1", "m1", entry(u("u1"), "view")), media("r2", "m2"), media("r1", "m3"))
		for _, c := range []struct {
			rec  string
			want []string
		}{{"r1", []string{"m1", "m3"}}, {"r2", []string{"m2"}}, {"r3", nil}, {"nope", nil}} {
			got, err := f.s.ListRecordMedia(f.ctx, c.rec)
			f.must(err)
			diff(t, "media of "+c.rec, c.want, mediaIDs(got), sortStrings)
			for _, m := range got {
				if m.ID == "m1" {
					diff(t, "ACL of m1", []domain.ACLEntry{entry(u("u1"), "view")}, m.ACL)
				}
			}
		}
	}},
	{"ListRecordsMedia lists the media of several records, each record's oldest first", func(t *testing.T, f *fixture) {
		contentWorld(f)
		f.create(record("ws", "r1"), record("ws", "r2"), record("ws", "r3"))
		f.createAt(media("r2", "m2"))
		f.createAt(media("r1", "m1", entry(u("u1"), "view")))
		f.createAt(media("r3", "m4"))
		f.createAt(media("r1", "m3"))
		got, err := f.s.ListRecordsMedia(f.ctx, []string{"r1", "r2", "nope"})
		f.must(err)
		byRecord := map[string][]string{}
		for _, m := range got {
			byRecord[m.RecordID] = append(byRecord[m.RecordID], m.ID)
			if m.ID == "m1" {
				diff(t, "ACL of m1", []domain.ACLEntry{entry(u("u1"), "view")}, m.ACL)
			}
		}
		diff(t, "media by record", map[string][]string{"r1": {"m1", "m3"}, "r2": {"m2"}}, byRecord)
		got, err = f.s.ListRecordsMedia(f.ctx, nil)
		f.must(err)
		diff(t, "media of no records", []string(nil), mediaIDs(got))
	}},
	{"GetMediaMany returns the existing media in the caller's order and skips missing ids", func(t *testing.T, f *fixture) {
		contentWorld(f)
		f.create(record("ws", "r1"), media("r1", "m1"), media("r1", "m2", entry(gr("g1"), "download")), media("r1", "m3"))
		got, err := f.s.GetMediaMany(f.ctx, []string{"m3", "nope", "m1", "m2"})
		f.must(err)
		diff(t, "media ids", []string{"m3", "m1", "m2"}, mediaIDs(got))
		diff(t, "ACL of m2", []domain.ACLEntry{entry(gr("g1"), "download")}, got[2].ACL)
		got, err = f.s.GetMediaMany(f.ctx, nil)
		f.must(err)
		diff(t, "media of no ids", []string(nil), mediaIDs(got))
	}},
	{"UpdateMedia changes media type and filename only", func(t *testing.T, f *fixture) {
		contentWorld(f)
		f.create(record("ws", "r1"), record("ws", "r2"))
		m := media("r1", "m1", entry(u("u1"), "view"))
		created := f.createAt(m)
		var updated = created
		f.update(func(tx store.Tx) error {
			updated = tx.Now()
			return tx.UpdateMedia(f.ctx, domain.Media{ID: "m1", RecordID: "r2", MediaType: "audio", Filename: "song.mp3"})
		})
		want := m
		want.MediaType, want.Filename, want.CreatedAt, want.UpdatedAt = "audio", "song.mp3", created, updated
		got, err := f.s.GetMedia(f.ctx, "m1")
		f.must(err)
		diff(t, "updated media", want, got)
	}},
	{"DeleteMedia removes the media object and leaves its record", func(t *testing.T, f *fixture) {
		contentWorld(f)
		f.create(record("ws", "r1"), media("r1", "m1", entry(u("u1"), "view")), media("r1", "m2"))
		f.update(func(tx store.Tx) error { return tx.DeleteMedia(f.ctx, "m1") })
		_, err := f.s.GetMedia(f.ctx, "m1")
		wantNotFound(t, "GetMedia after the delete", err)
		got, err := f.s.ListRecordMedia(f.ctx, "r1")
		f.must(err)
		diff(t, "media left", []string{"m2"}, mediaIDs(got))
	}},
	{"DeleteRecord removes its media, their ACLs and its collection memberships", func(t *testing.T, f *fixture) {
		contentWorld(f)
		f.create(record("ws", "r1", entry(u("u1"), "edit")), record("ws", "r2"),
			media("r1", "m1", entry(u("u2"), "download")), media("r1", "m2"), media("r2", "m3", entry(u("u1"), "view")),
			collection("ws", "c1", "u1"))
		f.update(func(tx store.Tx) error {
			if err := tx.AddCollectionRecord(f.ctx, "c1", "r1"); err != nil {
				return err
			}
			return tx.AddCollectionRecord(f.ctx, "c1", "r2")
		})

		f.update(func(tx store.Tx) error { return tx.DeleteRecord(f.ctx, "r1") })

		_, err := f.s.GetRecord(f.ctx, "r1")
		wantNotFound(t, "GetRecord after the delete", err)
		for _, id := range []string{"m1", "m2"} {
			_, err := f.s.GetMedia(f.ctx, id)
			wantNotFound(t, "GetMedia of the deleted record's "+id, err)
		}
		ms, err := f.s.ListRecordMedia(f.ctx, "r1")
		f.must(err)
		diff(t, "media of the deleted record", []string(nil), mediaIDs(ms))
		recs, err := f.s.CollectionRecords(f.ctx, "c1")
		f.must(err)
		diff(t, "collection records", []string{"r2"}, recs)
		m3, err := f.s.GetMedia(f.ctx, "m3")
		f.must(err)
		diff(t, "ACL of another record's media", []domain.ACLEntry{entry(u("u1"), "view")}, m3.ACL)

		// The ids are free again, with none of the old ACL entries attached.
		f.create(record("ws", "r1"), media("r2", "m1"))
		r1, err := f.s.GetRecord(f.ctx, "r1")
		f.must(err)
		diff(t, "ACL of a new record with the old id", []domain.ACLEntry(nil), r1.ACL)
		m1, err := f.s.GetMedia(f.ctx, "m1")
		f.must(err)
		diff(t, "ACL of a new media object with the old id", []domain.ACLEntry(nil), m1.ACL)
	}},
}

var collectionCases = []testCase{
	{"a created collection reads back with its creator and ACL", func(t *testing.T, f *fixture) {
		contentWorld(f)
		want := domain.Collection{ID: "c1", WorkspaceID: "ws", Name: "Favourites", Description: "Best of",
			CreatorID: "u1", ACL: []domain.ACLEntry{entry(u("u2"), "view", "edit"), entry(gr("g1"), "view")}}
		now := f.createAt(want)
		want.ACL = []domain.ACLEntry{entry(gr("g1"), "view"), entry(u("u2"), "view", "edit")}
		want.CreatedAt, want.UpdatedAt = now, now
		got, err := f.s.GetCollection(f.ctx, "c1")
		f.must(err)
		diff(t, "collection", want, got)
	}},
	{"GetCollections returns the existing collections in the caller's order and skips missing ids", func(t *testing.T, f *fixture) {
		contentWorld(f)
		f.create(collection("ws", "c1", "u1"), collection("ws", "c2", ""), collection("ws2", "c3", "u2", entry(u("u1"), "edit")))
		got, err := f.s.GetCollections(f.ctx, []string{"c3", "nope", "c1"})
		f.must(err)
		var ids []string
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		diff(t, "collection ids", []string{"c3", "c1"}, ids)
		diff(t, "ACL of c3", []domain.ACLEntry{entry(u("u1"), "edit")}, got[0].ACL)
		diff(t, "creator of c3", "u2", got[0].CreatorID)
	}},
	{"UpdateCollection changes name and description only", func(t *testing.T, f *fixture) {
		contentWorld(f)
		c := collection("ws", "c1", "u1", entry(u("u2"), "view"))
		created := f.createAt(c)
		var updated = created
		f.update(func(tx store.Tx) error {
			updated = tx.Now()
			return tx.UpdateCollection(f.ctx, domain.Collection{ID: "c1", WorkspaceID: "ws2", Name: "Renamed", Description: "Described", CreatorID: "u2"})
		})
		want := c
		want.Name, want.Description, want.CreatedAt, want.UpdatedAt = "Renamed", "Described", created, updated
		got, err := f.s.GetCollection(f.ctx, "c1")
		f.must(err)
		diff(t, "updated collection", want, got)
	}},
	{"records are added to and removed from a collection", func(t *testing.T, f *fixture) {
		contentWorld(f)
		f.create(record("ws", "r1"), record("ws", "r2"), record("ws", "r3"), collection("ws", "c1", ""), collection("ws", "c2", ""))
		f.update(func(tx store.Tx) error {
			for _, r := range []string{"r2", "r1"} {
				if err := tx.AddCollectionRecord(f.ctx, "c1", r); err != nil {
					return err
				}
			}
			return tx.AddCollectionRecord(f.ctx, "c2", "r3")
		})
		members := func(c string, want ...string) {
			t.Helper()
			got, err := f.s.CollectionRecords(f.ctx, c)
			f.must(err)
			diff(t, "records of "+c, want, got, sortStrings)
		}
		members("c1", "r1", "r2")
		members("c2", "r3")

		_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.AddCollectionRecord(f.ctx, "c1", "r1") })
		wantConflict(t, "adding a record twice", err)

		f.update(func(tx store.Tx) error { return tx.RemoveCollectionRecord(f.ctx, "c1", "r2") })
		members("c1", "r1")
		_, err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.RemoveCollectionRecord(f.ctx, "c1", "r2") })
		wantNotFound(t, "removing a record that is not in the collection", err)
		if _, err := f.s.GetRecord(f.ctx, "r2"); err != nil {
			t.Errorf("removing a record from a collection deleted it: %v", err)
		}
		members("nope")
	}},
	{"DeleteCollection removes the collection and its memberships but not the records", func(t *testing.T, f *fixture) {
		contentWorld(f)
		f.create(record("ws", "r1"), collection("ws", "c1", "u1", entry(u("u2"), "edit")))
		f.update(func(tx store.Tx) error { return tx.AddCollectionRecord(f.ctx, "c1", "r1") })
		f.update(func(tx store.Tx) error { return tx.DeleteCollection(f.ctx, "c1") })
		_, err := f.s.GetCollection(f.ctx, "c1")
		wantNotFound(t, "GetCollection after the delete", err)
		if _, err := f.s.GetRecord(f.ctx, "r1"); err != nil {
			t.Errorf("deleting a collection deleted its record: %v", err)
		}
		f.create(collection("ws", "c1", ""))
		got, err := f.s.GetCollection(f.ctx, "c1")
		f.must(err)
		diff(t, "ACL of a new collection with the old id", []domain.ACLEntry(nil), got.ACL)
		recs, err := f.s.CollectionRecords(f.ctx, "c1")
		f.must(err)
		diff(t, "records of a new collection with the old id", []string(nil), recs)
	}},
}

// aclObject describes, per content type, an object in contentWorld and two
// ACLs for it.
type aclObject struct {
	name       string
	ref        authz.ObjectRef
	first, set []domain.ACLEntry // set is given unsorted
	want       []domain.ACLEntry // set as read back
	get        func(f *fixture, id string) ([]domain.ACLEntry, error)
}

var aclObjects = []aclObject{
	{
		name:  "a record",
		ref:   authz.ObjectRef{Type: authz.Record, ID: "r1"},
		first: []domain.ACLEntry{entry(u("u1"), "edit"), entry(authz.EveryoneSubject, "view")},
		set:   []domain.ACLEntry{entry(u("u2"), "edit", "view"), entry(gr("g1"), "view")},
		want:  []domain.ACLEntry{entry(gr("g1"), "view"), entry(u("u2"), "view", "edit")},
		get: func(f *fixture, id string) ([]domain.ACLEntry, error) {
			r, err := f.s.GetRecord(f.ctx, id)
			return r.ACL, err
		},
	},
	{
		name:  "a media object",
		ref:   authz.ObjectRef{Type: authz.Media, ID: "m1"},
		first: []domain.ACLEntry{entry(u("u1"), "download")},
		set:   []domain.ACLEntry{entry(u("u2"), "download", "preview"), entry(authz.EveryoneSubject, "preview"), entry(u("u1"), "edit")},
		want:  []domain.ACLEntry{entry(authz.EveryoneSubject, "preview"), entry(u("u1"), "edit"), entry(u("u2"), "preview", "download")},
		get: func(f *fixture, id string) ([]domain.ACLEntry, error) {
			m, err := f.s.GetMedia(f.ctx, id)
			return m.ACL, err
		},
	},
	{
		name:  "a collection",
		ref:   authz.ObjectRef{Type: authz.Collection, ID: "c1"},
		first: []domain.ACLEntry{entry(gr("g1"), "edit")},
		set:   []domain.ACLEntry{entry(u("u1"), "view"), entry(authz.EveryoneSubject, "edit", "view")},
		want:  []domain.ACLEntry{entry(authz.EveryoneSubject, "view", "edit"), entry(u("u1"), "view")},
		get: func(f *fixture, id string) ([]domain.ACLEntry, error) {
			c, err := f.s.GetCollection(f.ctx, id)
			return c.ACL, err
		},
	},
}

// aclWorld creates r1, m1 and c1 in contentWorld with the objects' first
// ACLs.
func aclWorld(f *fixture) {
	f.t.Helper()
	contentWorld(f)
	f.create(record("ws", "r1", aclObjects[0].first...), media("r1", "m1", aclObjects[1].first...),
		collection("ws", "c1", "u1", aclObjects[2].first...))
}

var aclCases = []testCase{
	{"ChangeACLs adds and removes single tuples on many objects and touches each", func(t *testing.T, f *fixture) {
		aclWorld(f)
		f.create(record("ws", "r2", entry(u("u1"), "view", "edit")), record("ws", "r3"))
		tup := func(obj string, s authz.Subject, p string) store.ACLTuple {
			return store.ACLTuple{Object: obj, Subject: s, Permission: p}
		}
		before := f.revision()
		f.update(func(tx store.Tx) error {
			return tx.ChangeACLs(f.ctx, authz.Record,
				[]store.ACLTuple{tup("r2", gr("g1"), "edit"), tup("r3", u("u1"), "view"), tup("r2", u("u1"), "view")}, // the last is there already
				[]store.ACLTuple{tup("r2", u("u1"), "edit"), tup("r3", u("u1"), "edit")})                              // the last is not there
		})
		got, err := f.s.GetACLs(f.ctx, authz.Record, []string{"r2", "r3", "missing"})
		f.must(err)
		diff(t, "ACLs", map[string][]domain.ACLEntry{
			"r2": {entry(gr("g1"), "edit"), entry(u("u1"), "view")},
			"r3": {entry(u("u1"), "view")},
		}, sortedACLs(got))
		diff(t, "touched", "record:r2 record:r3", refsString(f.changes(before)))
	}},
	{"GetACLs leaves out objects without entries", func(t *testing.T, f *fixture) {
		aclWorld(f)
		f.create(record("ws", "bare"))
		got, err := f.s.GetACLs(f.ctx, authz.Record, []string{"bare"})
		f.must(err)
		if len(got) != 0 {
			t.Errorf("GetACLs of an object without entries = %v, want none", got)
		}
	}},
	{"SetACL replaces the whole ACL of a record, media object or collection", func(t *testing.T, f *fixture) {
		aclWorld(f)
		for _, o := range aclObjects {
			t.Run("on "+o.name, func(t *testing.T) {
				f := f.at(t)
				f.update(func(tx store.Tx) error { return tx.SetACL(f.ctx, o.ref, o.set) })
				got, err := o.get(f, o.ref.ID)
				f.must(err)
				diff(t, "ACL", o.want, got)
				f.update(func(tx store.Tx) error { return tx.SetACL(f.ctx, o.ref, nil) })
				got, err = o.get(f, o.ref.ID)
				f.must(err)
				diff(t, "ACL after setting none", []domain.ACLEntry(nil), got)
			})
		}
	}},
	{"SetACL on a missing object is not found", func(t *testing.T, f *fixture) {
		aclWorld(f)
		for _, o := range aclObjects {
			t.Run("on "+o.name, func(t *testing.T) {
				f := f.at(t)
				missing := authz.ObjectRef{Type: o.ref.Type, ID: "missing"}
				_, err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.SetACL(f.ctx, missing, o.set) })
				wantNotFound(t, "SetACL on "+missing.String(), err)
			})
		}
	}},
	{"SetACL leaves the ACLs of other objects alone", func(t *testing.T, f *fixture) {
		aclWorld(f)
		f.create(record("ws", "r2", entry(u("u1"), "view")))
		f.update(func(tx store.Tx) error { return tx.SetACL(f.ctx, authz.ObjectRef{Type: authz.Record, ID: "r1"}, nil) })
		r2, err := f.s.GetRecord(f.ctx, "r2")
		f.must(err)
		diff(t, "ACL of r2", []domain.ACLEntry{entry(u("u1"), "view")}, r2.ACL)
		m1, err := f.s.GetMedia(f.ctx, "m1")
		f.must(err)
		diff(t, "ACL of r1's media", aclObjects[1].first, m1.ACL)
	}},
	{"default ACLs round-trip per account and type, including the creator template", func(t *testing.T, f *fixture) {
		contentWorld(f)
		f.create(account("acc2"))
		creator := u(store.DefaultCreator)
		f.update(func(tx store.Tx) error {
			if err := tx.SetDefaultACL(f.ctx, "acc", authz.Record, []domain.ACLEntry{
				entry(creator, "edit", "view"), entry(gr("g1"), "view"), entry(authz.EveryoneSubject, "view"), entry(u("u2"), "edit"),
			}); err != nil {
				return err
			}
			return tx.SetDefaultACL(f.ctx, "acc", authz.Media, []domain.ACLEntry{entry(creator, "download", "edit")})
		})
		for _, c := range []struct {
			acct string
			typ  authz.ObjectType
			want []domain.ACLEntry
		}{
			{"acc", authz.Record, []domain.ACLEntry{
				entry(authz.EveryoneSubject, "view"), entry(gr("g1"), "view"), entry(creator, "view", "edit"), entry(u("u2"), "edit"),
			}},
			{"acc", authz.Media, []domain.ACLEntry{entry(creator, "download", "edit")}},
			{"acc", authz.Collection, nil},
			{"acc2", authz.Record, nil},
		} {
			got, err := f.s.GetDefaultACL(f.ctx, c.acct, c.typ)
			f.must(err)
			diff(t, "default "+c.typ.String()+" ACL of "+c.acct, c.want, got)
		}
		f.update(func(tx store.Tx) error {
			return tx.SetDefaultACL(f.ctx, "acc", authz.Record, []domain.ACLEntry{entry(creator, "view")})
		})
		got, err := f.s.GetDefaultACL(f.ctx, "acc", authz.Record)
		f.must(err)
		diff(t, "replaced default record ACL", []domain.ACLEntry{entry(creator, "view")}, got)
		got, err = f.s.GetDefaultACL(f.ctx, "acc", authz.Media)
		f.must(err)
		diff(t, "default media ACL after replacing the record one", []domain.ACLEntry{entry(creator, "download", "edit")}, got)
	}},
}

// sortedACLs orders each ACL by subject name, as the expectations are
// written.
func sortedACLs(m map[string][]domain.ACLEntry) map[string][]domain.ACLEntry {
	for _, es := range m {
		sort.Slice(es, func(i, j int) bool { return es[i].Subject.String() < es[j].Subject.String() })
	}
	return m
}
