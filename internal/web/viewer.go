package web

import (
	"net/http"
	"net/url"

	"atrium/internal/domain"
	"atrium/internal/service"
)

// viewerPage is one media object at full size: its large rendition when
// the user may view it (else its preview, or why not), its metadata, its
// renditions and downloads, and the record's other media to step
// through.
type viewerPage struct {
	Media  mediaView
	Record domain.Record
	// Large is the picture shown, with its size; Shown names it.
	Large         string
	Width, Height int
	Shown         string
	// Note says why the large rendition is not shown.
	Note       string
	Renditions []renditionRow
	// Prev and Next are the record's neighbouring media objects.
	Prev, Next       string
	Position, OfMany int
}

type renditionRow struct {
	Kind, Status, Note string
	Width, Height      int
	Size               int64
}

func (ui *UI) viewer(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	mv, err := ui.mediaView(r, rq, r.PathValue("id"))
	if err != nil {
		return err
	}
	m := mv.Media
	page := viewerPage{Media: mv}
	if page.Record, err = ui.svc.GetRecord(ctx, rq.actor, m.RecordID); err != nil {
		// A media object shared without its record is still viewed.
		if se, ok := service.AsError(err); !ok || se.Kind != service.KindNotFound {
			return err
		}
	}
	acc, err := ui.svc.MediaDownloads(ctx, rq.actor, m.ID)
	if err != nil {
		return err
	}
	access := map[string]service.RenditionAccess{}
	for _, ra := range acc.Renditions {
		access[ra.Rendition] = ra
	}
	sizes := map[string]domain.Rendition{}
	for _, rd := range m.Renditions {
		sizes[rd.Kind] = rd
		row := renditionRow{Kind: renditionLabels[rd.Kind], Status: rd.Status, Note: rd.Reason, Width: rd.Width, Height: rd.Height, Size: rd.Size}
		page.Renditions = append(page.Renditions, row)
	}
	large := access[domain.RenditionLarge]
	switch {
	case large.View.Allowed && service.RenditionReady(m, domain.RenditionLarge):
		page.Large, page.Shown = renditionURL(m.ID, domain.RenditionLarge), "large"
	case large.Status == domain.RenditionPending:
		page.Note = "The full-size picture is being made: reload in a moment."
	case large.Status == domain.RenditionFailed:
		page.Note = "The full-size picture could not be made: " + large.Reason + "."
	case large.Status == "none" || large.Status == "":
		page.Note = "Only images are shown here; download the file to open it."
		if m.File == nil {
			page.Note = "No file has been uploaded yet."
		}
	default:
		page.Note = "You may not see the full-size picture: " + large.View.Reason + "."
	}
	if page.Large == "" && mv.Preview != "" {
		page.Large, page.Shown = mv.Preview, "preview"
	}
	if rd, ok := sizes[page.Shown]; ok {
		page.Width, page.Height = rd.Width, rd.Height
	}
	if page.Record.ID != "" {
		siblings, err := ui.svc.ListRecordMedia(ctx, rq.actor, page.Record.ID)
		if err != nil {
			return err
		}
		for i, s := range siblings {
			if s.ID != m.ID {
				continue
			}
			page.Position, page.OfMany = i+1, len(siblings)
			if i > 0 {
				page.Prev = "/ui/media/" + url.PathEscape(siblings[i-1].ID)
			}
			if i+1 < len(siblings) {
				page.Next = "/ui/media/" + url.PathEscape(siblings[i+1].ID)
			}
		}
	}
	title := m.Filename
	if title == "" {
		title = m.ID
	}
	ui.render(w, r, rq, http.StatusOK, "viewer", title, page)
	return nil
}
