package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"atrium/internal/service"
)

// fileForm documents the multipart form of POST /records/{id}/files.
type fileForm struct {
	MediaType string     `json:"media_type,omitempty"`
	Filename  string     `json:"filename,omitempty"`
	File      binaryData `json:"file"`
}

var duplicatesParam = param{Name: "duplicates",
	Description: "accept (default): store the file and list in duplicate_of the media objects you can see that already hold the same bytes; refuse: answer 409 duplicate_file instead"}

// Multipart forms may carry a little more than the file: boundaries,
// part headers and the short fields before it.
const (
	multipartSlack = 1 << 20
	maxFormField   = 1 << 10
)

// transferIdle is how long an upload or download may stall. A transfer
// that keeps moving may take longer than the server's read and write
// timeouts: each read or write pushes them back.
const transferIdle = time.Minute

func (api *API) fileRoutes() []route {
	s := api.svc
	return []route{
		{Method: "PUT", Path: "/api/v1/media/{id}/file", Summary: "Upload a media object's file as the raw request body, replacing the one it had (can_edit on the media object). " +
			"The content type is detected from the bytes; a declared Content-Length over the upload limit is 413 before anything is read",
			Tag: "media", BodyType: "application/octet-stream", Query: []param{duplicatesParam}, Resp: service.UploadResult{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				dup, err := service.ParseDuplicatePolicy(r.URL.Query().Get("duplicates"))
				if err != nil {
					return nil, err
				}
				body := &transferBody{r: r.Body, rc: http.NewResponseController(w)}
				return s.PutMediaFile(r.Context(), a, r.PathValue("id"), service.Upload{Body: body, Size: r.ContentLength, Duplicates: dup})
			}},
		{Method: "POST", Path: "/api/v1/records/{id}/files", Summary: "Upload a file as a new media object of the record (can_edit on the record), as multipart/form-data: " +
			"optional media_type (default: from the detected content type) and filename (default: the file part's) fields, then the file part",
			Tag: "media", BodyType: "multipart/form-data", Body: fileForm{}, Query: []param{duplicatesParam}, Resp: service.UploadResult{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return api.uploadForm(w, r, func(in service.FileMediaInput, up service.Upload) (service.UploadResult, error) {
					return s.UploadRecordFile(r.Context(), a, in, up)
				})
			}},
		{Method: "GET", Path: "/api/v1/media/{id}/file", Summary: "Download a media object's original file (can_download, checked now; audited). " +
			"Supports HEAD, Range and If-Range, and If-None-Match with the strong ETag (the SHA-256)",
			Tag: "media", RespType: "application/octet-stream", Handle: api.download},
		{Method: "GET", Path: "/api/v1/media/{id}/renditions/{kind}", Summary: "A ready rendition (thumbnail, preview or large) of an image, checked now: " +
			"inline for viewing (thumbnail and preview need can_preview, large can_view), or with download=1 as an attachment " +
			"(can_download for large, can_preview for the others, and a download profile allowing it; audited). " +
			"409 rendition_not_ready while it is made, rendition_failed with the reason. Supports HEAD, Range, If-None-Match",
			Tag: "media", Query: []param{downloadParam}, RespType: "image/*", Handle: api.rendition},
		{Method: "POST", Path: "/api/v1/capture/{profile}/records/{id}/files", Capture: true, Summary: "Upload a file as a new media object of a record in a capture profile's workspace, " +
			"with the profile's media ACL, as multipart/form-data like POST /records/{id}/files (capture application)",
			Tag: "capture", BodyType: "multipart/form-data", Body: fileForm{}, Query: []param{duplicatesParam}, Resp: service.UploadResult{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return api.uploadForm(w, r, func(in service.FileMediaInput, up service.Upload) (service.UploadResult, error) {
					return s.CaptureFile(r.Context(), a, r.PathValue("profile"), in.RecordID, in, up)
				})
			}},
	}
}

var downloadParam = param{Name: "download", Description: "1 (or true): save it, as an attachment, under the download rules; 0 or absent: view it inline"}

// downloadQuery reads a rendition route's query: whether to save the
// rendition (download=1) or view it.
func downloadQuery(r *http.Request) (bool, error) {
	q := r.URL.Query()
	for k := range q {
		if k != "download" && k != "at_least_revision" {
			return false, badRequest("invalid_query", k, "unknown parameter %q (want download)", k)
		}
	}
	dl := false
	if v, ok := q["download"]; ok {
		b, err := strconv.ParseBool(strings.Join(v, ","))
		if err != nil || len(v) != 1 {
			return false, badRequest("invalid_query", "download", "download must be 1 (save the rendition) or 0 (view it)")
		}
		dl = b
	}
	return dl, nil
}

// rendition serves a ready rendition, inline or as a download.
func (api *API) rendition(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
	dl, err := downloadQuery(r)
	if err != nil {
		return nil, err
	}
	d, err := api.svc.OpenRendition(r.Context(), a, r.PathValue("id"), r.PathValue("kind"), dl)
	if err != nil {
		return nil, err
	}
	api.serveTo(w, r, a, d)
	return nil, nil
}

// uploadForm reads a multipart form up to its file part and streams the
// part into the service through upload; nothing is buffered but the short
// fields.
func (api *API) uploadForm(w http.ResponseWriter, r *http.Request, upload func(service.FileMediaInput, service.Upload) (service.UploadResult, error)) (any, error) {
	limit := api.svc.MaxUploadBytes()
	if r.ContentLength > limit+multipartSlack {
		return nil, &httpError{status: http.StatusRequestEntityTooLarge, code: "too_large", field: "file",
			msg: fmt.Sprintf("the file is larger than the %d bytes an upload may hold", limit)}
	}
	dup, err := service.ParseDuplicatePolicy(r.URL.Query().Get("duplicates"))
	if err != nil {
		return nil, err
	}
	r.Body = http.MaxBytesReader(w, &transferBody{r: r.Body, rc: http.NewResponseController(w)}, limit+multipartSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &httpError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
			msg: "send the file as multipart/form-data with a part named file"}
	}
	in := service.FileMediaInput{RecordID: r.PathValue("id")}
	named := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, badRequest("invalid_multipart", "file", "the form has no part named file")
		}
		if err != nil {
			return nil, formError(err)
		}
		switch part.FormName() {
		case "file":
			if !named {
				in.Filename = part.FileName()
			}
			res, err := upload(in, service.Upload{Body: part, Size: -1, Duplicates: dup})
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooLargeForm(limit)
			}
			return res, err
		case "media_type":
			in.MediaType, err = formValue(part, "media_type")
		case "filename":
			in.Filename, err = formValue(part, "filename")
			named = true
		default:
			return nil, badRequest("unknown_field", part.FormName(), "unknown form field %q (want media_type, filename, then file)", part.FormName())
		}
		if err != nil {
			return nil, err
		}
	}
}

func tooLargeForm(limit int64) error {
	return &httpError{status: http.StatusRequestEntityTooLarge, code: "too_large", field: "file",
		msg: fmt.Sprintf("the form is larger than the %d bytes an upload may hold, and a little more for its fields", limit)}
}

func formError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLargeForm(mbe.Limit - multipartSlack)
	}
	return badRequest("invalid_multipart", "", "the multipart form cannot be read: %v", err)
}

// formValue reads a short text field.
func formValue(p *multipart.Part, name string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, maxFormField+1))
	if err != nil {
		return "", formError(err)
	}
	if len(b) > maxFormField || !utf8.Valid(b) {
		return "", &httpError{status: http.StatusUnprocessableEntity, code: "validation_failed", field: name,
			msg: fmt.Sprintf("%s must be UTF-8 text of at most %d bytes", name, maxFormField)}
	}
	return string(b), nil
}

// transferBody is a request body whose read and write deadlines move
// forward with every read, so that a long upload is bounded by stalls,
// not by its total time.
type transferBody struct {
	r  io.Reader
	rc *http.ResponseController
}

func (b *transferBody) Read(p []byte) (int, error) {
	deadline := time.Now().Add(transferIdle)
	// Errors mean the connection cannot take deadlines (a test
	// recorder): nothing to extend.
	_ = b.rc.SetReadDeadline(deadline)
	_ = b.rc.SetWriteDeadline(deadline)
	return b.r.Read(p)
}

func (b *transferBody) Close() error {
	if c, ok := b.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// download serves a media object's original to a signed-in caller,
// audited as media.download.
func (api *API) download(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
	d, err := api.svc.OpenOriginal(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	api.serveTo(w, r, a, d)
	return nil, nil
}

// serveTo serves an opened original or rendition to a signed-in caller;
// a download (not an inline view) is audited as media.download.
func (api *API) serveTo(w http.ResponseWriter, r *http.Request, a service.Actor, d *service.Download) {
	api.serveFile(w, r, d, func(detail map[string]string) error {
		return api.svc.RecordDownload(r.Context(), a, d, detail)
	})
}

// serveFile sends an opened download, and closes it, with
// http.ServeContent: Range (one or several ranges), If-Range,
// If-None-Match, HEAD. record audits a download (not an inline view)
// with its detail the moment a 200 or 206 is about to go out, before its
// first byte; if it fails, nothing of the file is sent and its error is
// the answer.
func (api *API) serveFile(w http.ResponseWriter, r *http.Request, d *service.Download, record func(detail map[string]string) error) {
	defer d.Content.Close()
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	if d.Inline {
		h.Set("Content-Disposition", disposition("inline", d.Filename))
	} else {
		h.Set("Content-Disposition", attachment(d.Filename))
	}
	h.Set("ETag", `"`+d.SHA256+`"`)
	// The client may keep a copy but must ask again before using it,
	// so that every use is checked against the permissions of the time.
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
	dw := &downloadWriter{ResponseWriter: w, rc: http.NewResponseController(w), send: func(status int) error {
		if r.Method != http.MethodGet || d.Inline {
			return nil // HEAD sends no file; views are not downloads
		}
		detail := map[string]string{"status": strconv.Itoa(status), "bytes": h.Get("Content-Length")}
		if status == http.StatusPartialContent {
			detail["range"] = truncate(r.Header.Get("Range"), 200)
		}
		return record(detail)
	}}
	http.ServeContent(dw, r, "", d.ModTime, d.Content)
	switch {
	case dw.recordErr != nil:
		clearFileHeaders(h)
		api.fail(w, r, dw.recordErr)
	case dw.errStatus != 0:
		// ServeContent's own refusals (a range that cannot be served, a
		// failed precondition) are plain text: answer in the API's shape,
		// keeping the size a 416 tells.
		cr := h.Get("Content-Range")
		clearFileHeaders(h)
		if dw.errStatus == http.StatusRequestedRangeNotSatisfiable && cr != "" {
			h.Set("Content-Range", cr)
		}
		code := map[int]string{http.StatusRequestedRangeNotSatisfiable: "range_not_satisfiable", http.StatusPreconditionFailed: "precondition_failed"}[dw.errStatus]
		if code == "" {
			code = "bad_request"
		}
		writeJSON(w, dw.errStatus, ErrorBody{ErrorDetail{Code: code, Message: strings.TrimSpace(dw.errText.String())}})
	}
}

func clearFileHeaders(h http.Header) {
	for _, k := range []string{"Content-Disposition", "ETag", "Last-Modified", "Accept-Ranges", "Content-Length", "Content-Range", "Content-Encoding", "Cache-Control"} {
		h.Del(k)
	}
	h.Set("Cache-Control", "no-store")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// downloadWriter stands between http.ServeContent and the client: it
// records the download when a 200 or 206 is about to be sent (send),
// keeps ServeContent's plain-text errors for the caller to answer in
// JSON, and moves the write deadline forward with every write.
type downloadWriter struct {
	http.ResponseWriter
	rc        *http.ResponseController
	send      func(status int) error
	decided   bool
	recordErr error
	errStatus int
	errText   strings.Builder
}

var errNotRecorded = errors.New("the download was not recorded, so it is not sent")

func (w *downloadWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *downloadWriter) WriteHeader(code int) {
	if w.decided {
		return
	}
	w.decided = true
	switch {
	case code == http.StatusOK || code == http.StatusPartialContent:
		if err := w.send(code); err != nil {
			w.recordErr = err
			return
		}
	case code >= 400:
		w.errStatus = code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *downloadWriter) Write(p []byte) (int, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	switch {
	case w.recordErr != nil:
		return 0, errNotRecorded
	case w.errStatus != 0:
		if w.errText.Len() < 200 {
			w.errText.Write(p)
		}
		return len(p), nil
	}
	_ = w.rc.SetWriteDeadline(time.Now().Add(transferIdle))
	return w.ResponseWriter.Write(p)
}

// attachment is a Content-Disposition that makes clients save the file
// under its name (RFC 6266): an ASCII fallback in filename (anything else,
// and quotes and backslashes, as '_') and the exact name, percent-encoded
// UTF-8, in filename* (RFC 8187) for the clients that read it. No byte of
// the name can end the header or add a parameter.
func attachment(name string) string { return disposition("attachment", name) }

// disposition is a Content-Disposition of a type (attachment, inline)
// with the file name as attachment writes it.
func disposition(typ, name string) string {
	var ascii, ext strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			ext.WriteByte(b)
		} else {
			fmt.Fprintf(&ext, "%%%02X", b)
		}
	}
	fallback := ascii.String()
	if strings.Trim(fallback, "_. ") == "" {
		fallback = "download"
	}
	return typ + `; filename="` + fallback + `"; filename*=UTF-8''` + ext.String()
}

// isAttrChar reports whether b may appear unencoded in an RFC 8187
// value (attr-char).
func isAttrChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
