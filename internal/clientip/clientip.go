// Package clientip tells the address of an HTTP request's client: the
// connection's peer, unless the peer is a proxy the configuration trusts,
// in which case the address that proxy reports in the one header the
// configuration names.
//
// Nothing a client sends is believed by default. A header is believed
// only when the direct peer is inside one of the trusted proxy networks,
// because anyone can send X-Forwarded-For: the proxy must set the header
// it is trusted for, or append to it. To X-Forwarded-For each proxy
// appends the address it received the request from, so the list is read
// from the right: trusted proxies are skipped, and the first address that
// is not a trusted proxy is the client. Whatever is left of it was
// written by the client or by proxies we do not know, and is ignored.
// Any other header (X-Real-IP, CF-Connecting-IP, True-Client-IP, ...)
// holds one address, which the trusted proxy sets.
//
// When the header is missing, malformed or stops being readable before
// an untrusted address is found, the answer is the last address that was
// established (the peer, or a trusted proxy further down the chain):
// never an address a client could have chosen.
package clientip

import (
	"net"
	"net/http"
	"net/netip"
	"net/textproto"
	"strings"
)

// XForwardedFor is the one list header: every other header holds one
// address.
const XForwardedFor = "X-Forwarded-For"

// Forwarded (RFC 7239) is not supported: its quoted strings let what a
// client wrote swallow the element a proxy appends after it, so it cannot
// be read from the right safely. ValidHeader refuses it.
const Forwarded = "Forwarded"

// Resolver finds a request's client address. The zero Resolver trusts no
// header: the client is the peer.
type Resolver struct {
	// Header is the header trusted proxies set; "" trusts none.
	Header string
	// Proxies are the networks of the proxies whose Header is believed.
	Proxies []netip.Prefix
}

// ClientIP returns the client address of r, as text. A RemoteAddr that is
// no address (some test harnesses) is returned as it is.
func (rs Resolver) ClientIP(r *http.Request) string {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return r.RemoteAddr
		}
		return host
	}
	return rs.Resolve(peer, r.Header).String()
}

// Resolve returns the client address of a request from peer with headers
// h; see the package comment.
func (rs Resolver) Resolve(peer netip.Addr, h http.Header) netip.Addr {
	peer = peer.Unmap().WithZone("")
	if rs.Header == "" || !rs.trusted(peer) {
		return peer
	}
	name := textproto.CanonicalMIMEHeaderKey(rs.Header)
	values := h.Values(name)
	if len(values) == 0 {
		return peer
	}
	if name == XForwardedFor {
		// Several header lines are one list, in order (RFC 9110 5.3).
		hops := strings.Split(strings.Join(values, ","), ",")
		last := peer
		for i := len(hops) - 1; i >= 0; i-- {
			a, ok := parseHop(hops[i])
			if !ok {
				return last
			}
			if !rs.trusted(a) {
				return a
			}
			last = a
		}
		return last // every hop is a trusted proxy: the request began inside
	}
	if len(values) != 1 {
		return peer // a single-address header sent twice: someone added one
	}
	if a, ok := parseHop(values[0]); ok {
		return a
	}
	return peer
}

func (rs Resolver) trusted(a netip.Addr) bool {
	for _, p := range rs.Proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one address as proxies write them: 192.0.2.1,
// 2001:db8::1, with or without a port (192.0.2.1:443, [2001:db8::1]:443),
// IPv6 in brackets without one, surrounding spaces. IPv4-mapped IPv6
// addresses become IPv4, and zones are dropped.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.Trim(s, " \t")
	a, err := netip.ParseAddr(s)
	if err != nil {
		if ap, perr := netip.ParseAddrPort(s); perr == nil {
			a, err = ap.Addr(), nil
		} else if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
			a, err = netip.ParseAddr(s[1 : len(s)-1])
			if err == nil && !a.Is6() {
				err = perr // [192.0.2.1] is not how anyone writes IPv4
			}
		}
	}
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// ValidHeader reports whether name can be the trusted header: a header
// name (an RFC 9110 token), but not Forwarded.
func ValidHeader(name string) bool {
	if name == "" || strings.EqualFold(name, Forwarded) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
