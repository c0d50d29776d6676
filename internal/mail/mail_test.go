package mail_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"atrium/internal/mail"
)

// smtpServer is a tiny SMTP server on loopback: enough of RFC 5321 for
// net/smtp (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT).
type smtpServer struct {
	addr string
	user string
	pass string

	mu       sync.Mutex
	received []received
}

type received struct {
	auth     string // "user:pass" of AUTH PLAIN, if any
	from, to string
	data     string
}

func startSMTP(t *testing.T, user, pass string) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{addr: ln.Addr().String(), user: user, pass: pass}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); s.serve(c) }()
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	reply := func(code int, lines ...string) {
		for i, l := range lines {
			sep := "-"
			if i == len(lines)-1 {
				sep = " "
			}
			tp.PrintfLine("%d%s%s", code, sep, l)
		}
	}
	reply(220, "test ESMTP")
	var cur received
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			reply(250, "test", "AUTH PLAIN", "8BITMIME")
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			b, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if mech != "PLAIN" || err != nil || len(parts) != 3 || parts[1] != s.user || parts[2] != s.pass {
				reply(535, "authentication failed")
				continue
			}
			cur.auth = parts[1] + ":" + parts[2]
			reply(235, "ok")
		case "MAIL":
			if s.user != "" && cur.auth == "" {
				reply(530, "authentication required")
				continue
			}
			cur.from = strings.TrimSuffix(strings.TrimPrefix(arg, "FROM:<"), ">")
			cur.from, _, _ = strings.Cut(cur.from, ">")
			reply(250, "ok")
		case "RCPT":
			cur.to = strings.TrimSuffix(strings.TrimPrefix(arg, "TO:<"), ">")
			reply(250, "ok")
		case "DATA":
			reply(354, "go on")
			lines, err := tp.ReadDotLines()
			if err != nil {
				return
			}
			cur.data = strings.Join(lines, "\n")
			s.mu.Lock()
			s.received = append(s.received, cur)
			s.mu.Unlock()
			cur = received{auth: cur.auth}
			reply(250, "queued")
		case "RSET", "NOOP":
			reply(250, "ok")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(502, "not implemented")
		}
	}
}

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

func (s *smtpServer) sender(user, pass string) mail.SMTP {
	host, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	return mail.SMTP{Host: host, Port: p, Username: user, Password: pass, From: "Atrium <atrium@example.com>", Timeout: 5 * time.Second}
}

func TestSMTPSender(t *testing.T) {
	ctx := context.Background()
	srv := startSMTP(t, "mailer", "s3cret pass")
	msg := mail.Message{To: "Dave <dave@example.com>", Subject: "Réinitialiser le mot de passe", Body: "Your token:\n\n    atp_abc\n\nLine with ünïcode and a very long line " + strings.Repeat("x", 120)}

	t.Run("a message is delivered with authentication, envelope and an RFC 5322 body", func(t *testing.T) {
		if err := srv.sender("mailer", "s3cret pass").Send(ctx, msg); err != nil {
			t.Fatal(err)
		}
		got := srv.messages()
		if len(got) != 1 {
			t.Fatalf("%d messages received", len(got))
		}
		m := got[0]
		if m.auth != "mailer:s3cret pass" || m.from != "atrium@example.com" || m.to != "dave@example.com" {
			t.Errorf("auth %q, envelope %q -> %q", m.auth, m.from, m.to)
		}
		for _, want := range []string{"From: Atrium <atrium@example.com>", "To: Dave <dave@example.com>", "Subject: =?utf-8?q?R=C3=A9initialiser", "Message-ID: <", "Content-Transfer-Encoding: quoted-printable", "atp_abc"} {
			if !strings.Contains(m.data, want) {
				t.Errorf("message lacks %q:\n%s", want, m.data)
			}
		}
	})
	t.Run("a wrong password is an error and delivers nothing", func(t *testing.T) {
		before := len(srv.messages())
		if err := srv.sender("mailer", "wrong").Send(ctx, msg); err == nil {
			t.Fatal("sent with a wrong password")
		}
		if len(srv.messages()) != before {
			t.Error("a message was delivered")
		}
	})
	t.Run("a header with a line break is refused before connecting", func(t *testing.T) {
		bad := msg
		bad.Subject = "hi\r\nBcc: victim@example.com"
		if err := srv.sender("mailer", "s3cret pass").Send(ctx, bad); !errors.Is(err, mail.ErrBadMessage) {
			t.Errorf("got %v, want ErrBadMessage", err)
		}
		bad = msg
		bad.To = "dave@example.com\r\nBcc: victim@example.com"
		if err := srv.sender("mailer", "s3cret pass").Send(ctx, bad); !errors.Is(err, mail.ErrBadMessage) {
			t.Errorf("got %v, want ErrBadMessage", err)
		}
	})
	t.Run("a server that does not answer is an error, not a hang", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		s := srv.sender("", "")
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		s.Port, _ = strconv.Atoi(port)
		s.Timeout = 200 * time.Millisecond
		if err := s.Send(ctx, msg); err == nil {
			t.Error("sent to a silent server")
		}
	})
}

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "outbox")
	box := mail.Outbox{Dir: dir, From: "Atrium <atrium@example.com>"}

	t.Run("an empty or missing outbox lists nothing", func(t *testing.T) {
		es, err := box.List()
		if err != nil || len(es) != 0 {
			t.Errorf("List = %v, %v", es, err)
		}
	})
	for i, to := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		if err := box.Send(ctx, mail.Message{To: to, Subject: "Hello ünïcode " + string(rune('A'+i)), Body: "token atv_" + to}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("each message is one .eml file, no temporary file is left, and the folder is private", func(t *testing.T) {
		des, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(des) != 3 {
			t.Fatalf("%d files", len(des))
		}
		for _, de := range des {
			if !strings.HasSuffix(de.Name(), ".eml") {
				t.Errorf("file %s", de.Name())
			}
		}
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("outbox mode %v, %v", fi.Mode(), err)
		}
	})
	t.Run("List gives the messages in the order sent, with recipient and decoded subject", func(t *testing.T) {
		es, err := box.List()
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 3 || es[0].To != "a@example.com" || es[2].To != "c@example.com" || es[1].Subject != "Hello ünïcode B" || es[0].Date.IsZero() {
			t.Errorf("List = %+v", es)
		}
		text, err := box.Text(es[1].ID)
		if err != nil || text != "token atv_b@example.com\n" {
			t.Errorf("Text = %q, %v", text, err)
		}
	})
	t.Run("Read refuses ids that could name other files", func(t *testing.T) {
		for _, id := range []string{"", "../x", "a/b", ".tmp-1", strings.Repeat("a", 101)} {
			if _, err := box.Read(id); err == nil {
				t.Errorf("Read(%q) succeeded", id)
			}
		}
	})
	t.Run("a malformed message writes no file", func(t *testing.T) {
		if err := box.Send(ctx, mail.Message{To: "not an address", Subject: "x"}); !errors.Is(err, mail.ErrBadMessage) {
			t.Errorf("got %v", err)
		}
		es, _ := box.List()
		if len(es) != 3 {
			t.Errorf("%d messages", len(es))
		}
	})
}
