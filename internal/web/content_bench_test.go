package web_test

import (
	"context"
	"testing"

	"atrium/internal/service"
)

// benchPage is one page BenchmarkPages measures.
type benchPage = struct{ name, path string }

// contentPages are the content pages BenchmarkPages measures for a user:
// the upload form, the viewer of a media object they see, a collection,
// their share links, and the public page of a link to a record.
func contentPages(b *testing.B, ctx context.Context, svc *service.Service, a service.Actor, records []string) []benchPage {
	b.Helper()
	pages := []benchPage{{"upload", "/ui/upload"}, {"shares", "/ui/shares"}}
	for _, id := range records {
		ms, err := svc.ListRecordMedia(ctx, a, id)
		if err != nil {
			b.Fatal(err)
		}
		if len(ms) > 0 {
			pages = append(pages, benchPage{"viewer", "/ui/media/" + ms[0].ID})
			break
		}
	}
	if cs, err := svc.ListCollections(ctx, a, service.ListQuery{Limit: 1}); err != nil {
		b.Fatal(err)
	} else if len(cs.Items) > 0 {
		pages = append(pages, benchPage{"collection", "/ui/collections/" + cs.Items[0].ID})
	}
	link, err := svc.CreateShareLink(ctx, a, service.ShareLinkInput{Target: "record:" + records[0], Download: true})
	if err != nil {
		b.Fatal(err)
	}
	return append(pages, benchPage{"shared", "/ui/s/" + link.Token})
}
