// Package mail sends Atrium's outbound mail: through an SMTP server when
// one is configured, otherwise into a local outbox folder of .eml files
// that an administrator reads with `atrium outbox`.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// Message is one plain-text mail to one recipient.
type Message struct {
	To      string
	Subject string
	Body    string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrBadMessage is returned for a message that cannot be sent as it is
// (a malformed address, a header with a line break).
var ErrBadMessage = errors.New("malformed message")

// check validates a message's addresses and headers.
func check(from string, m Message) error {
	for _, a := range []string{from, m.To} {
		if _, err := mail.ParseAddress(a); err != nil || strings.ContainsAny(a, "\r\n") {
			return fmt.Errorf("%w: address %q", ErrBadMessage, a)
		}
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("%w: the subject holds a line break", ErrBadMessage)
	}
	return nil
}

// newMessageID returns a random id, also used as the outbox file name.
func newMessageID(now time.Time) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	// The time sorts the outbox: to the nanosecond, so that messages of
	// one second keep their order.
	now = now.UTC()
	return now.Format("20060102T150405") + fmt.Sprintf("%09dZ", now.Nanosecond()) + "-" + hex.EncodeToString(b)
}

// Format renders m as an RFC 5322 message with CRLF line endings: UTF-8
// text, quoted-printable, the subject encoded as RFC 2047 words when it is
// not ASCII.
func Format(from string, m Message, date time.Time, id string) ([]byte, error) {
	if err := check(from, m); err != nil {
		return nil, err
	}
	domain := "atrium.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			domain = a.Address[i+1:]
		}
	}
	var b bytes.Buffer
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", from)
	hdr("To", m.To)
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	hdr("Date", date.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+id+"@"+domain+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}
