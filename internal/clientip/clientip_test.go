package clientip

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	proxies := prefixes("10.0.0.0/8", "2001:db8:ffff::/48")
	xff := Resolver{Header: "X-Forwarded-For", Proxies: proxies}
	real := Resolver{Header: "x-real-ip", Proxies: proxies}
	type hs = map[string][]string
	for _, c := range []struct {
		name    string
		rs      Resolver
		remote  string
		headers hs
		want    string
	}{
		// Nothing trusted: headers never count.
		{"without a trusted header the client is the peer", Resolver{}, "203.0.113.7:5555", nil, "203.0.113.7"},
		{"without a trusted header a spoofed X-Forwarded-For is ignored", Resolver{}, "127.0.0.1:5555", hs{"X-Forwarded-For": {"198.51.100.1"}}, "127.0.0.1"},
		{"without a trusted header a spoofed X-Real-IP is ignored", Resolver{}, "127.0.0.1:5555", hs{"X-Real-Ip": {"198.51.100.1"}}, "127.0.0.1"},
		{"a header is ignored without trusted proxies", Resolver{Header: "X-Forwarded-For"}, "10.0.0.1:1", hs{"X-Forwarded-For": {"198.51.100.1"}}, "10.0.0.1"},
		{"an IPv6 peer is given without brackets", Resolver{}, "[2001:db8::7]:443", nil, "2001:db8::7"},
		{"an IPv4-mapped peer is given as IPv4", Resolver{}, "[::ffff:203.0.113.7]:443", nil, "203.0.113.7"},
		{"a peer with a zone loses it", Resolver{}, "[fe80::1%eth0]:443", nil, "fe80::1"},
		{"a RemoteAddr that is no address is given as it is", Resolver{}, "pipe", nil, "pipe"},
		{"a RemoteAddr with a host name is given without its port", Resolver{}, "localhost:80", nil, "localhost"},

		// X-Forwarded-For from a trusted proxy.
		{"a trusted proxy's X-Forwarded-For names the client", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1"},
		{"an untrusted peer's X-Forwarded-For is ignored", xff, "203.0.113.7:1", hs{"X-Forwarded-For": {"198.51.100.1"}}, "203.0.113.7"},
		{"the header name is matched in any case", Resolver{Header: "x-forwarded-FOR", Proxies: proxies}, "10.0.0.1:1", hs{"X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1"},
		{"the right-most address that is not a trusted proxy is the client", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"192.0.2.66, 198.51.100.1, 10.0.0.2"}}, "198.51.100.1"},
		{"what the client wrote before its own address is ignored", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"10.9.9.9, 198.51.100.1"}}, "198.51.100.1"},
		{"several header lines are one list, the last line last", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"192.0.2.66", "198.51.100.1, 10.0.0.3"}}, "198.51.100.1"},
		{"addresses with ports are read", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"198.51.100.1:4711"}}, "198.51.100.1"},
		{"IPv6 addresses are read, with or without brackets", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"2001:db8::9, [2001:db8::8]"}}, "2001:db8::8"},
		{"bracketed IPv6 addresses with a port are read", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"[2001:db8::8]:443"}}, "2001:db8::8"},
		{"IPv4-mapped addresses are read as IPv4", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"::ffff:198.51.100.1"}}, "198.51.100.1"},
		{"an IPv6 trusted proxy is recognised", xff, "[2001:db8:ffff::1]:1", hs{"X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1"},
		{"a mapped trusted proxy is recognised", xff, "[::ffff:10.0.0.1]:1", hs{"X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1"},
		{"a chain of trusted proxies only is the left-most of them", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"10.0.0.3, 10.0.0.2"}}, "10.0.0.3"},
		{"a malformed entry stops the walk at the last trusted hop", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"198.51.100.1, garbage, 10.0.0.2"}}, "10.0.0.2"},
		{"a malformed last entry leaves the peer", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"198.51.100.1, unknown"}}, "10.0.0.1"},
		{"an empty entry leaves the peer", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"198.51.100.1,"}}, "10.0.0.1"},
		{"an empty header leaves the peer", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {""}}, "10.0.0.1"},
		{"a missing header leaves the peer", xff, "10.0.0.1:1", nil, "10.0.0.1"},
		{"a bracketed IPv4 address is malformed", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"[198.51.100.1]"}}, "10.0.0.1"},
		{"a host name is malformed", xff, "10.0.0.1:1", hs{"X-Forwarded-For": {"example.com"}}, "10.0.0.1"},
		{"another header of the trusted proxy is ignored", xff, "10.0.0.1:1", hs{"X-Real-Ip": {"198.51.100.1"}}, "10.0.0.1"},

		// Single-address headers.
		{"a trusted proxy's X-Real-IP names the client", real, "10.0.0.1:1", hs{"X-Real-Ip": {"198.51.100.1"}}, "198.51.100.1"},
		{"an untrusted peer's X-Real-IP is ignored", real, "192.0.2.1:1", hs{"X-Real-Ip": {"198.51.100.1"}}, "192.0.2.1"},
		{"X-Real-IP sent twice is ignored", real, "10.0.0.1:1", hs{"X-Real-Ip": {"198.51.100.1", "192.0.2.66"}}, "10.0.0.1"},
		{"a list in X-Real-IP is malformed", real, "10.0.0.1:1", hs{"X-Real-Ip": {"198.51.100.1, 192.0.2.66"}}, "10.0.0.1"},
		{"a malformed X-Real-IP leaves the peer", real, "10.0.0.1:1", hs{"X-Real-Ip": {"nope"}}, "10.0.0.1"},
		{"the trusted proxy's X-Forwarded-For is ignored when X-Real-IP is trusted", real, "10.0.0.1:1", hs{"X-Forwarded-For": {"198.51.100.1"}}, "10.0.0.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			r.Header = http.Header{}
			for k, vs := range c.headers {
				for _, v := range vs {
					r.Header.Add(k, v)
				}
			}
			if got := c.rs.ClientIP(r); got != c.want {
				t.Errorf("ClientIP(%s, %v) = %s, want %s", c.remote, c.headers, got, c.want)
			}
		})
	}
}

func TestValidHeader(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		want bool
	}{
		{"X-Forwarded-For", true}, {"x-real-ip", true}, {"CF-Connecting-IP", true}, {"X-Forwarded", true},
		{"", false}, {"Forwarded", false}, {"forwarded", false}, {"X Forwarded", false}, {"X-Forwarded-For:", false}, {"Ünïcode", false}, {"a\r\nb", false},
	} {
		if got := ValidHeader(c.name); got != c.want {
			t.Errorf("ValidHeader(%q) = %t, want %t", c.name, got, c.want)
		}
	}
}
