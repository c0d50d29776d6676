package mail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Outbox writes each message as an .eml file into Dir, for when no SMTP
// server is configured. A file appears complete or not at all: it is
// written under a temporary name and renamed.
type Outbox struct {
	Dir  string
	From string
}

// Send implements Sender.
func (o Outbox) Send(ctx context.Context, m Message) error {
	now := time.Now()
	id := newMessageID(now)
	raw, err := Format(o.From, m, now, id)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	tmp, err := os.CreateTemp(o.Dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return fmt.Errorf("outbox: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("outbox: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(o.Dir, id+".eml")); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// Entry is one message of an outbox.
type Entry struct {
	ID      string
	Date    time.Time
	To      string
	Subject string
}

// List returns the outbox's messages, oldest first. A missing folder is
// an empty outbox.
func (o Outbox) List() ([]Entry, error) {
	des, err := os.ReadDir(o.Dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	var out []Entry
	for _, de := range des {
		name := de.Name()
		if !de.Type().IsRegular() || !strings.HasSuffix(name, ".eml") || strings.HasPrefix(name, ".") {
			continue
		}
		id := strings.TrimSuffix(name, ".eml")
		msg, err := o.read(id)
		if err != nil {
			return nil, err
		}
		e := Entry{ID: id, To: msg.Header.Get("To")}
		e.Subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		e.Date, _ = msg.Header.Date()
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Read returns the raw message with this id.
func (o Outbox) Read(id string) ([]byte, error) {
	if !validID(id) {
		return nil, fmt.Errorf("outbox: no message %q", id)
	}
	b, err := os.ReadFile(filepath.Join(o.Dir, id+".eml"))
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("outbox: no message %q", id)
	}
	return b, err
}

// Text returns the decoded body of the message with this id.
func (o Outbox) Text(id string) (string, error) {
	msg, err := o.read(id)
	if err != nil {
		return "", err
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return "", fmt.Errorf("outbox %s: %w", id, err)
	}
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		return decodeQP(body)
	}
	return string(body), nil
}

func (o Outbox) read(id string) (*mail.Message, error) {
	raw, err := o.Read(id)
	if err != nil {
		return nil, err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("outbox %s: %w", id, err)
	}
	return msg, nil
}

// validID accepts the ids Send makes, so that an id never names a path
// outside the folder.
func validID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

func decodeQP(b []byte) (string, error) {
	out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(string(out), "\r\n", "\n"), nil
}
