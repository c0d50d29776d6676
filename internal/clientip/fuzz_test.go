package clientip

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// FuzzXForwardedFor: whatever a client writes into X-Forwarded-For before
// the entry the trusted proxy appends, the client is that entry; a header
// from an untrusted peer is never believed; the answer is always an
// address. Seeds are in testdata/fuzz/FuzzXForwardedFor.
func FuzzXForwardedFor(f *testing.F) {
	for _, s := range []string{"", "198.51.100.1", "a, b, c", "[::1]:80, ,", "10.0.0.2, 10.0.0.3", "::ffff:10.0.0.1"} {
		f.Add(s, "203.0.113.9")
	}
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}
	rs := Resolver{Header: XForwardedFor, Proxies: proxies}
	trustedPeer := netip.MustParseAddr("10.0.0.1")
	untrustedPeer := netip.MustParseAddr("192.0.2.1")
	f.Fuzz(func(t *testing.T, written, appended string) {
		if strings.ContainsAny(written+appended, "\r\n\x00") {
			return // not a header value
		}
		h := http.Header{XForwardedFor: {written}}
		got := rs.Resolve(trustedPeer, h)
		if !got.IsValid() || got.Zone() != "" || got.Is4In6() {
			t.Fatalf("Resolve(%q) = %v, not a plain address", written, got)
		}
		if got := rs.Resolve(untrustedPeer, h); got != untrustedPeer {
			t.Fatalf("an untrusted peer's header %q was believed: %v", written, got)
		}
		a, ok := parseHop(appended)
		if !ok || rs.trusted(a) {
			return
		}
		// The trusted proxy appended the address it saw; what the
		// client wrote before it does not matter.
		for _, hv := range []http.Header{
			{XForwardedFor: {written + "," + appended}},
			{XForwardedFor: {written, appended}},
		} {
			if got := rs.Resolve(trustedPeer, hv); got != a {
				t.Fatalf("Resolve(%q) = %v, want the appended %v", hv.Values(XForwardedFor), got, a)
			}
		}
	})
}

// FuzzSingleAddressHeader: a single-address header is an address or
// ignored, and never believed from an untrusted peer.
func FuzzSingleAddressHeader(f *testing.F) {
	for _, s := range []string{"198.51.100.1", "[2001:db8::1]:443", "nope", "1.2.3.4, 5.6.7.8", "fe80::1%eth0"} {
		f.Add(s)
	}
	rs := Resolver{Header: "X-Real-IP", Proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	trustedPeer := netip.MustParseAddr("10.0.0.1")
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{"X-Real-Ip": {v}}
		got := rs.Resolve(trustedPeer, h)
		if !got.IsValid() || got.Zone() != "" || got.Is4In6() {
			t.Fatalf("Resolve(%q) = %v, not a plain address", v, got)
		}
		want := trustedPeer // a value that is no address is ignored
		if a, ok := parseHop(v); ok {
			want = a
		}
		if got != want {
			t.Fatalf("Resolve(%q) = %v, want %v", v, got, want)
		}
		if got := rs.Resolve(netip.MustParseAddr("192.0.2.1"), h); got.String() != "192.0.2.1" {
			t.Fatalf("an untrusted peer's header %q was believed: %v", v, got)
		}
	})
}
