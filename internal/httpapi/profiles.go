package httpapi

import (
	"net/http"

	"atrium/internal/authz"
	"atrium/internal/domain"
	"atrium/internal/service"
)

type downloadProfileReq struct {
	Name        string                `json:"name"`
	Description string                `json:"description,omitempty"`
	Rules       []domain.DownloadRule `json:"rules"`
	Holders     []string              `json:"holders,omitempty"`
}

type downloadProfilePatch struct {
	Name        *string                `json:"name,omitempty"`
	Description *string                `json:"description,omitempty"`
	Rules       *[]domain.DownloadRule `json:"rules,omitempty"`
	Holders     *[]string              `json:"holders,omitempty"`
}

type downloadProfileList struct {
	Profiles []domain.DownloadProfile `json:"profiles"`
}

type captureProfileReq struct {
	Name        string                     `json:"name"`
	Description string                     `json:"description,omitempty"`
	Workspace   string                     `json:"workspace"`
	Fields      []domain.RegistrationField `json:"fields,omitempty"`
	RecordACL   *[]aclEntryIn              `json:"record_acl,omitempty"`
	MediaACL    *[]aclEntryIn              `json:"media_acl,omitempty"`
	Holders     []string                   `json:"holders,omitempty"`
}

type captureProfilePatch struct {
	Name        *string                     `json:"name,omitempty"`
	Description *string                     `json:"description,omitempty"`
	Workspace   *string                     `json:"workspace,omitempty"`
	Fields      *[]domain.RegistrationField `json:"fields,omitempty"`
	RecordACL   *[]aclEntryIn               `json:"record_acl,omitempty"`
	MediaACL    *[]aclEntryIn               `json:"media_acl,omitempty"`
	Holders     *[]string                   `json:"holders,omitempty"`
}

type captureProfileList struct {
	Profiles []domain.CaptureProfile `json:"profiles"`
}

type myCaptureProfiles struct {
	Profiles []service.CaptureProfileSummary `json:"profiles"`
}

type captureRecordReq struct {
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Keywords    []string       `json:"keywords,omitempty"`
	Fields      map[string]any `json:"fields,omitempty"`
	MediaType   string         `json:"media_type,omitempty"`
}

// parseHolders converts a profile's holders (user:ID, group:ID or
// everyone).
func parseHolders(in []string) ([]authz.Subject, error) {
	out := make([]authz.Subject, 0, len(in))
	for _, h := range in {
		subj, err := parseSubject(h, "holders")
		if err != nil {
			return nil, err
		}
		out = append(out, subj)
	}
	return out, nil
}

// optHolders is parseHolders for an optional list.
func optHolders(in *[]string) (*[]authz.Subject, error) {
	if in == nil {
		return nil, nil
	}
	hs, err := parseHolders(*in)
	return &hs, err
}

// templateACL converts a capture profile's ACL, which may name
// user:$creator.
func templateACL(in *[]aclEntryIn, field string) (*[]domain.ACLEntry, error) {
	if in == nil {
		return nil, nil
	}
	acl, err := parseACL(*in, field, true)
	return &acl, err
}

// profileRoutes are the download and capture profiles: their management,
// the capture application's routes, and what a caller may download.
func (api *API) profileRoutes() []route {
	s := api.svc
	return []route{
		{Method: "GET", Path: "/api/v1/download-profiles", Admin: true, Summary: "The account's download profiles: which renditions of which media types their holders may download (manage_settings)", Tag: "profiles",
			Resp: downloadProfileList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				ps, err := s.ListDownloadProfiles(r.Context(), a)
				return downloadProfileList{Profiles: ps}, err
			}},
		{Method: "POST", Path: "/api/v1/download-profiles", Admin: true, Summary: "Define a download profile: rules of (media_type or \"*\", renditions or [\"*\"]) and holders (user:ID, group:ID, everyone) (manage_settings)", Tag: "profiles",
			Body: downloadProfileReq{}, Resp: domain.DownloadProfile{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[downloadProfileReq](w, r)
				if err != nil {
					return nil, err
				}
				hs, err := parseHolders(in.Holders)
				if err != nil {
					return nil, err
				}
				return s.CreateDownloadProfile(r.Context(), a, service.DownloadProfileInput{Name: in.Name, Description: in.Description, Rules: in.Rules, Holders: hs})
			}},
		{Method: "GET", Path: "/api/v1/download-profiles/{id}", Admin: true, Summary: "A download profile with its holders (manage_settings)", Tag: "profiles", Resp: domain.DownloadProfile{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetDownloadProfile(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PATCH", Path: "/api/v1/download-profiles/{id}", Admin: true, Summary: "Change a download profile; rules and holders replace the whole list (manage_settings)", Tag: "profiles",
			Body: downloadProfilePatch{}, Resp: domain.DownloadProfile{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[downloadProfilePatch](w, r)
				if err != nil {
					return nil, err
				}
				hs, err := optHolders(in.Holders)
				if err != nil {
					return nil, err
				}
				return s.UpdateDownloadProfile(r.Context(), a, r.PathValue("id"), service.DownloadProfileUpdate{Name: in.Name, Description: in.Description, Rules: in.Rules, Holders: hs})
			}},
		{Method: "DELETE", Path: "/api/v1/download-profiles/{id}", Admin: true, Summary: "Delete a download profile; its holders lose what it allowed (manage_settings)", Tag: "profiles", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.DeleteDownloadProfile(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "GET", Path: "/api/v1/media/{id}/downloads", Summary: "For each rendition of a media object you can see: whether you may download it and view it in the browser, and why not", Tag: "profiles",
			Resp: service.MediaAccess{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.MediaDownloads(r.Context(), a, r.PathValue("id"))
			}},

		{Method: "GET", Path: "/api/v1/capture-profiles", Admin: true, Summary: "The account's capture profiles: upload templates (workspace, typed fields, ACLs) and their holders (manage_settings)", Tag: "profiles",
			Resp: captureProfileList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				ps, err := s.ListCaptureProfiles(r.Context(), a)
				return captureProfileList{Profiles: ps}, err
			}},
		{Method: "POST", Path: "/api/v1/capture-profiles", Admin: true, Summary: "Define a capture profile into a workspace you own: fields (like registration fields), record_acl and media_acl (default: the account's default ACLs; user:$creator is the capturing user), holders (manage_settings)", Tag: "profiles",
			Body: captureProfileReq{}, Resp: domain.CaptureProfile{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[captureProfileReq](w, r)
				if err != nil {
					return nil, err
				}
				hs, err := parseHolders(in.Holders)
				if err != nil {
					return nil, err
				}
				recACL, err := templateACL(in.RecordACL, "record_acl")
				if err != nil {
					return nil, err
				}
				medACL, err := templateACL(in.MediaACL, "media_acl")
				if err != nil {
					return nil, err
				}
				return s.CreateCaptureProfile(r.Context(), a, service.CaptureProfileInput{Name: in.Name, Description: in.Description, WorkspaceID: in.Workspace,
					Fields: in.Fields, RecordACL: recACL, MediaACL: medACL, Holders: hs})
			}},
		{Method: "GET", Path: "/api/v1/capture-profiles/{id}", Admin: true, Summary: "A capture profile with its ACLs and holders (manage_settings)", Tag: "profiles", Resp: domain.CaptureProfile{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetCaptureProfile(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "PATCH", Path: "/api/v1/capture-profiles/{id}", Admin: true, Summary: "Change a capture profile; lists replace the whole list (manage_settings and the owner role on its workspace)", Tag: "profiles",
			Body: captureProfilePatch{}, Resp: domain.CaptureProfile{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[captureProfilePatch](w, r)
				if err != nil {
					return nil, err
				}
				hs, err := optHolders(in.Holders)
				if err != nil {
					return nil, err
				}
				recACL, err := templateACL(in.RecordACL, "record_acl")
				if err != nil {
					return nil, err
				}
				medACL, err := templateACL(in.MediaACL, "media_acl")
				if err != nil {
					return nil, err
				}
				return s.UpdateCaptureProfile(r.Context(), a, r.PathValue("id"), service.CaptureProfileUpdate{Name: in.Name, Description: in.Description,
					WorkspaceID: in.Workspace, Fields: in.Fields, RecordACL: recACL, MediaACL: medACL, Holders: hs})
			}},
		{Method: "DELETE", Path: "/api/v1/capture-profiles/{id}", Admin: true, Summary: "Delete a capture profile; what was captured through it stays (manage_settings and the owner role on its workspace)", Tag: "profiles", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.DeleteCaptureProfile(r.Context(), a, r.PathValue("id"))
			}},

		// ---- the capture application
		{Method: "GET", Path: "/api/v1/me/capture-profiles", Capture: true, Summary: "The capture profiles assigned to you, with the fields to fill in (capture application)", Tag: "capture",
			Resp: myCaptureProfiles{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				ps, err := s.MyCaptureProfiles(r.Context(), a)
				return myCaptureProfiles{Profiles: ps}, err
			}},
		{Method: "POST", Path: "/api/v1/capture/{profile}/records", Capture: true, Summary: "Create a record through a capture profile assigned to you: in its workspace, with its fields checked (422 naming fields.NAME) and its record ACL (capture application)", Tag: "capture",
			Body: captureRecordReq{}, Resp: domain.Record{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[captureRecordReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.CaptureRecord(r.Context(), a, r.PathValue("profile"), service.CaptureInput{Title: in.Title, Description: in.Description,
					Keywords: in.Keywords, Fields: in.Fields, MediaType: in.MediaType})
			}},
		{Method: "POST", Path: "/api/v1/capture/{profile}/records/{id}/media", Capture: true, Summary: "Attach a media object (metadata) to a record in a capture profile's workspace, with the profile's media ACL (capture application)", Tag: "capture",
			Body: mediaCreate{}, Resp: domain.Media{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[mediaCreate](w, r)
				if err != nil {
					return nil, err
				}
				if in.ACL != nil {
					return nil, &httpError{status: 422, code: "validation_failed", field: "acl", msg: "media captured through a profile get the profile's media ACL"}
				}
				return s.CaptureMedia(r.Context(), a, r.PathValue("profile"), r.PathValue("id"), service.MediaInput{MediaType: in.MediaType, Filename: in.Filename})
			}},
	}
}
