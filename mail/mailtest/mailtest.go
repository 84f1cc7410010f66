// Package mailtest runs a real SMTP server inside a test (emersion/go-smtp on
// loopback) and collects what it receives, so tests deliver mail the way
// production does.
package mailtest

import (
	"errors"
	"io"
	"net"
	"net/mail"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Received is one delivered message, headers decoded.
type Received struct {
	From      string
	To        []string
	Subject   string
	MessageID string // the Message-ID header as sent, with its <>
	Date      string // the Date header as sent
	Body      string
	Raw       []byte
}

// Server is an SMTP server on 127.0.0.1 that can be stopped and restarted on
// the same port to play a server that is down.
type Server struct {
	t    testing.TB
	Host string
	Port int

	mu       sync.Mutex
	srv      *smtp.Server
	ln       net.Listener
	messages []Received
}

// Start listens on a free loopback port.
func Start(t testing.TB) *Server {
	s := &Server{t: t, Host: "127.0.0.1"}
	s.listen("127.0.0.1:0")
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.t.Fatal(err)
	}
	s.Port = ln.Addr().(*net.TCPAddr).Port
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Stop closes the server (mail now fails to deliver).
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// Close the listener ourselves too: Serve may not have taken it yet.
		_ = ln.Close()
		_ = srv.Close()
	}
}

// Restart listens again on the same port.
func (s *Server) Restart() { s.listen("127.0.0.1:" + strconv.Itoa(s.Port)) }

// Messages returns what has been received so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.messages...)
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (se *session) Reset()        { se.from, se.to = "", nil }
func (se *session) Logout() error { return nil }
func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	se.from = from
	return nil
}
func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytesReader(raw))
	if err != nil {
		return errors.New("unparsable message")
	}
	subject, err := new(mimeDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return err
	}
	body, err := decodeBody(msg)
	if err != nil {
		return err
	}
	se.s.mu.Lock()
	se.s.messages = append(se.s.messages, Received{From: se.from, To: se.to, Subject: subject, MessageID: msg.Header.Get("Message-Id"),
		Date: msg.Header.Get("Date"), Body: body, Raw: raw})
	se.s.mu.Unlock()
	return nil
}
