package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The hand-written listing is byte for byte what encoding/json writes.
func TestObjectsRespWritesWhatEncodingJSONWrites(t *testing.T) {
	for _, c := range []struct {
		name string
		resp objectsResp
	}{
		{"an empty page without ids", objectsResp{Revision: "r"}},
		{"an empty page with an empty list", objectsResp{Objects: []string{}, Total: 0}},
		{"plain ids and a cursor", objectsResp{Objects: []string{"r0001", "r_2-x"}, NextCursor: "abc_DEF-1", Total: 24163, Revision: "QmFzZTY0"}},
		{"ids that need escaping", objectsResp{Objects: []string{`a"b`, `c\d`, "<script>", "é", "tab\there", "&amp"}, Total: -1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			assertLikeEncodingJSON(t, c.resp)
		})
	}
}

func FuzzObjectsResp(f *testing.F) {
	f.Add("r0001", "r0002", "cursor", 3)
	f.Add("\u2028", "\x00", "<>&", -7)
	f.Fuzz(func(t *testing.T, a, b, cursor string, total int) {
		assertLikeEncodingJSON(t, objectsResp{Objects: []string{a, b}, NextCursor: cursor, Total: total, Revision: a + b})
	})
}

func assertLikeEncodingJSON(t *testing.T, r objectsResp) {
	t.Helper()
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	if got := append(r.AppendJSON(nil), '\n'); !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("got  %s\nwant %s", got, want.Bytes())
	}
}
