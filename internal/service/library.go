package service

import (
	"context"

	"atrium/internal/authz"
	"atrium/internal/domain"
)

// Cover is the picture a library grid shows for a record: one of its
// media objects the actor may preview.
type Cover struct {
	MediaID   string
	MediaType string
	// Thumbnail reports that the media object's thumbnail rendition is
	// ready to be served; without one, the grid shows a placeholder
	// rather than a picture that cannot load.
	Thumbnail bool
}

// RecordCovers returns the cover of each record among recordIDs that the
// actor can view and that has a media object the actor may preview: the
// oldest such media object with a ready thumbnail, else the oldest such
// media object. Records without one are absent. It reads the media of the
// whole page at once, so a grid costs one query however many records it
// shows.
func (s *Service) RecordCovers(ctx context.Context, a Actor, recordIDs []string) (map[string]Cover, error) {
	if err := s.member(a); err != nil {
		return nil, err
	}
	e := s.Engine()
	visible := make([]string, 0, len(recordIDs))
	for _, id := range recordIDs {
		if authz.ValidID(id) == nil && e.Check(a.UserID, authz.CanView, authz.ObjectRef{Type: authz.Record, ID: id}) {
			visible = append(visible, id)
		}
	}
	out := map[string]Cover{}
	if len(visible) == 0 {
		return out, nil
	}
	ms, err := s.store.ListRecordsMedia(ctx, visible)
	if err != nil {
		return nil, err
	}
	if err := s.withRenditions(ctx, ms); err != nil {
		return nil, err
	}
	for _, m := range ms {
		if c, ok := out[m.RecordID]; ok && c.Thumbnail {
			continue
		}
		if !e.Check(a.UserID, authz.CanPreview, authz.ObjectRef{Type: authz.Media, ID: m.ID}) {
			continue
		}
		c := Cover{MediaID: m.ID, MediaType: m.MediaType, Thumbnail: RenditionReady(m, domain.RenditionThumbnail)}
		if _, ok := out[m.RecordID]; !ok || c.Thumbnail {
			out[m.RecordID] = c
		}
	}
	return out, nil
}

// RenditionReady reports whether a rendition (thumbnail, preview, large)
// of m is ready to be served, as far as m's renditions (filled by
// GetMedia, the media listings and RecordCovers) tell, so that a page
// shows a picture only when it can load.
func RenditionReady(m domain.Media, kind string) bool {
	for _, rd := range m.Renditions {
		if rd.Kind == kind {
			return rd.Status == domain.RenditionReady
		}
	}
	return false
}
