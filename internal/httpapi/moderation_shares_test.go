package httpapi_test

import (
	"slices"
	"testing"

	"atrium/internal/domain"
)

// A hold lets its uploader see what nobody else may yet; a public share
// link decides as its creator, so without a guard the uploader could pass
// a held upload to the whole world before an approver has seen it.
func TestShareLinksNeverShowHeldUploads(t *testing.T) {
	w := newModWorld(t)
	held := w.upload(t, w.uma, "Held story")
	w.uma.do(t, "POST", "/api/v1/share-links", obj{"target": "record:" + held.ID}).fails(t, 409, "held_for_moderation", "")

	// A link to a published record, then a held file added to it.
	link := mkLink(t, w.uma.client, obj{"target": "record:" + w.published, "download": true})
	var m domain.Media
	w.uma.do(t, "POST", "/api/v1/records/"+w.published+"/media", obj{"media_type": "image", "filename": "extra.png"}).ok(t, 201).decode(t, &m)
	putFile(t, w.uma.client, m.ID, pngBytes, "").ok(t, 200)
	if v := sharedView(t, view(t, w.f, link.Token).ok(t, 200)); v.Record == nil || len(v.Record.Media) != 0 {
		t.Fatalf("the link shows held media: %+v", v.Record)
	}
	sharedFile(t, w.f, link.Token, m.ID).fails(t, 404, "not_found", "")
	if got := lastReason(t, w.alice.client, link.ID); got != "the media object is held for moderation" {
		t.Errorf("audited reason %q", got)
	}

	// A link to a collection holding a held record lists only the rest.
	col := mkCollection(t, w.uma.client, w.ws, "Uma's picks")
	for _, rec := range []string{held.ID, w.published} {
		w.uma.do(t, "PUT", "/api/v1/collections/"+col+"/records/"+rec, nil).ok(t, 204)
	}
	colLink := mkLink(t, w.uma.client, obj{"target": "collection:" + col})
	v := sharedView(t, view(t, w.f, colLink.Token).ok(t, 200))
	var ids []string
	for _, r := range v.Collection.Records {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, []string{w.published}) {
		t.Errorf("the collection's link shows %v, want only the published record", ids)
	}

	// Once published, the record and the file show as the creator may see them.
	w.ann.do(t, "POST", "/api/v1/moderation/record/"+held.ID+"/publish", nil).ok(t, 200)
	w.ann.do(t, "POST", "/api/v1/moderation/media/"+m.ID+"/publish", nil).ok(t, 200)
	if v := sharedView(t, view(t, w.f, colLink.Token).ok(t, 200)); len(v.Collection.Records) != 2 {
		t.Errorf("after publishing, the collection's link shows %d records", len(v.Collection.Records))
	}
	if v := sharedView(t, view(t, w.f, link.Token).ok(t, 200)); len(v.Record.Media) != 1 {
		t.Errorf("after publishing, the record's link shows %+v", v.Record.Media)
	}
}
