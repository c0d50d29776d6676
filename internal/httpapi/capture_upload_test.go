package httpapi_test

import (
	"bytes"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// captureFile uploads data through a capture profile as a new media
// object of a record.
func captureFile(t *testing.T, c *client, profile, recordID string, data []byte, parts ...formPart) *resp {
	t.Helper()
	parts = append(parts, formPart{file: true, filename: "quay.jpg"})
	ct, body := multipartBody(t, parts, data)
	return c.do(t, "POST", "/api/v1/capture/"+profile+"/records/"+recordID+"/files", body, header{"Content-Type", ct})
}

func TestCaptureUploads(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	startRenditions(t, f.svc, testRenditions())
	owner := f.A.Owner
	reviewers := mkGroup(t, owner.client, "Reviewers")
	field := mkWorkspace(t, owner.client, "Field")
	other := mkWorkspace(t, owner.client, "Other")
	cam := captureOnlyUser(t, owner.client, f.A, "cam")
	camT := f.member(t, cam)
	camS := f.login(t, "cam")
	profile := mkCaptureProfile(t, owner.client, obj{"name": "Damage survey", "workspace": field,
		"media_acl": []entry{{Subject: "group:" + reviewers, Permissions: []string{"preview"}}},
		"holders":   []string{"user:" + cam.ID}})
	unheld := mkCaptureProfile(t, owner.client, obj{"name": "Not cam's", "workspace": field, "holders": []string{}})
	var rec domain.Record
	camT.do(t, "POST", "/api/v1/capture/"+profile.ID+"/records", obj{"title": "Crack in quay wall"}).ok(t, 201).decode(t, &rec)
	elsewhere := mkRecord(t, owner.client, other, "Elsewhere", nil)
	outside := mkRecord(t, owner.client, other, "Outside", []entry{{"user:" + cam.ID, []string{"edit"}}})
	photo := jpegOf(t, 400, 200)

	t.Run("a capture-only user uploads a photo through the profile: the media object gets the profile's ACL and renditions", func(t *testing.T) {
		for _, c := range []*client{camT.client, camS} {
			res := uploaded(t, captureFile(t, c, profile.ID, rec.ID, photo).ok(t, 201))
			m := res.Media
			if m.RecordID != rec.ID || m.MediaType != "image" || m.Filename != "quay.jpg" || m.File.UploadedBy != cam.ID || !bytes.Equal([]byte(m.File.SHA256), []byte(hexSHA(photo))) {
				t.Errorf("captured media %+v", m)
			}
			want := []string{"group:" + reviewers + ":preview", "user:" + cam.ID + ":edit"}
			if got := aclOf(m.ACL); !equalStrings(got, want) {
				t.Errorf("ACL %v, want %v", got, want)
			}
			// The capture application shows no media: the owner looks.
			wantReady(t, owner.client, awaitRenditions(t, owner.client, m.ID), "image/jpeg", map[string]size{"thumbnail": {256, 128}, "large": {400, 200}})
			c.get(t, "/api/v1/media/"+m.ID).fails(t, 403, "application_not_allowed", "-")
		}
		ev := auditOf(t, owner.client, "capture.media")
		if len(ev) < 2 || ev[0].Actor != cam.ID || ev[0].Detail["profile"] != profile.ID || ev[0].Detail["sha256"] != hexSHA(photo) || ev[0].Detail["file"] == "" {
			t.Errorf("audit %+v", ev)
		}
	})
	t.Run("a capture-only user cannot use the ordinary upload routes", func(t *testing.T) {
		var m domain.Media
		camT.get(t, "/api/v1/me").ok(t, 200)
		postForm(t, camT.client, rec.ID, "", photo).fails(t, 403, "application_not_allowed", "-")
		owner.get(t, "/api/v1/records/"+rec.ID+"/media").ok(t, 200)
		res := uploaded(t, captureFile(t, camT.client, profile.ID, rec.ID, photo).ok(t, 201))
		m = res.Media
		awaitRenditions(t, owner.client, m.ID)
		putFile(t, camT.client, m.ID, photo, "").fails(t, 403, "application_not_allowed", "-")
		putFile(t, camS, m.ID, photo, "").fails(t, 403, "application_not_allowed", "-")
		// Nor could the service be reached another way.
		if _, err := f.svc.UploadRecordFile(f.ctx, service.Actor{UserID: cam.ID, AccountID: f.A.Account}, service.FileMediaInput{RecordID: rec.ID},
			service.Upload{Body: bytes.NewReader(photo), Size: int64(len(photo))}); code(err) != "capture_only" {
			t.Errorf("the service's UploadRecordFile for cam = %v, want capture_only", err)
		}
	})
	t.Run("a profile one does not hold, a record one may not edit, outside the profile's workspace or of another account are refused, and nothing is stored", func(t *testing.T) {
		before := len(blobFiles(t, f))
		captureFile(t, camT.client, unheld.ID, rec.ID, photo).fails(t, 404, "not_found", "-")
		captureFile(t, camT.client, "cap_nope", rec.ID, photo).fails(t, 404, "not_found", "-")
		captureFile(t, camT.client, profile.ID, elsewhere, photo).fails(t, 403, "forbidden", "-") // cam sees it, may not edit it
		captureFile(t, camT.client, profile.ID, outside, photo).fails(t, 403, "forbidden", "-")   // editable, but not in the profile's workspace
		captureFile(t, owner.client, profile.ID, elsewhere, photo).fails(t, 403, "profile_not_assigned", "-")
		captureFile(t, f.B.Owner.client, profile.ID, rec.ID, photo).fails(t, 404, "not_found", "-")
		captureFile(t, camT.client, profile.ID, rec.ID, photo, formPart{name: "media_type", value: "painting"}).fails(t, 422, "validation_failed", "media_type")
		wantBlobs(t, f, before)
		if ev := auditOf(t, owner.client, "capture.media"); ev[0].Result != "denied" && ev[0].Result != "failed" {
			t.Errorf("the refusals are not audited: %+v", ev[0])
		}
	})
	t.Run("the capture upload route is a documented multipart route of the capture application", func(t *testing.T) {
		var doc map[string]any
		f.anon().get(t, "/api/v1/openapi.json").ok(t, 200).decode(t, &doc)
		op, _ := doc["paths"].(map[string]any)["/api/v1/capture/{profile}/records/{id}/files"].(map[string]any)["post"].(map[string]any)
		content, _ := op["requestBody"].(map[string]any)["content"].(map[string]any)
		if _, ok := content["multipart/form-data"]; !ok {
			t.Errorf("the route's request body is %v", op["requestBody"])
		}
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
