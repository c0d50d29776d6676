package geo_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"atrium/internal/geo"
	"atrium/internal/geo/geotest"
)

// world is the test database: documentation networks in countries, one
// private network the database places in a country (which must still be
// unknown), one record without a country, one with a code that is no
// country, and a lower-case code.
var world = []geotest.Network{
	{CIDR: "203.0.113.0/24", Country: "DE"},
	{CIDR: "198.51.100.0/24", Country: "FR"},
	{CIDR: "192.0.2.0/26", Country: ""},
	{CIDR: "192.0.2.64/26", Country: "EU"},
	{CIDR: "192.0.2.128/26", Country: "gb"},
	{CIDR: "10.0.0.0/8", Country: "DE"},
	{CIDR: "2001:db8:1::/48", Country: "FR"},
	{CIDR: "fe80::/10", Country: "DE"},
}

func open(t *testing.T, path string) *geo.DB {
	t.Helper()
	db, err := geo.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestCountry(t *testing.T) {
	t.Parallel()
	db := open(t, geotest.Write(t, geotest.Options{}, world...))
	city := open(t, geotest.Write(t, geotest.Options{Type: "GeoIP2-City"}, world...))
	v4 := open(t, geotest.Write(t, geotest.Options{IPv4Only: true}, geotest.Network{CIDR: "203.0.113.0/24", Country: "DE"}))
	var none *geo.DB
	for _, c := range []struct {
		name string
		db   *geo.DB
		addr string
		want string
	}{
		{"an address of a listed network has its country", db, "203.0.113.7", "DE"},
		{"another network has another country", db, "198.51.100.1", "FR"},
		{"an IPv6 address has its country", db, "2001:db8:1::42", "FR"},
		{"an IPv4-mapped IPv6 address is its IPv4 address", db, "::ffff:203.0.113.7", "DE"},
		{"a City database answers the same", city, "203.0.113.7", "DE"},
		{"an address the database does not hold is unknown", db, "8.8.8.8", ""},
		{"an IPv6 address the database does not hold is unknown", db, "2001:db8:2::1", ""},
		{"a record without a country is unknown, whatever its registered country", db, "192.0.2.1", ""},
		{"a code that is no country is unknown", db, "192.0.2.65", ""},
		{"a lower-case code is upper-cased", db, "192.0.2.129", "GB"},
		{"a private address is unknown even when the database places it", db, "10.1.2.3", ""},
		{"a link-local address is unknown even when the database places it", db, "fe80::1", ""},
		{"a link-local address with a zone is unknown", db, "fe80::1%eth0", ""},
		{"loopback is unknown", db, "127.0.0.1", ""},
		{"IPv6 loopback is unknown", db, "::1", ""},
		{"the unspecified address is unknown", db, "0.0.0.0", ""},
		{"a multicast address is unknown", db, "224.0.0.1", ""},
		{"the zero address is unknown", db, "", ""},
		{"without a database every address is unknown", none, "203.0.113.7", ""},
		{"an IPv4 database places IPv4 addresses", v4, "203.0.113.7", "DE"},
		{"an IPv4 database knows nothing of IPv6 addresses", v4, "2001:db8:1::42", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var addr netip.Addr
			if c.addr != "" {
				addr = netip.MustParseAddr(c.addr)
			}
			got, err := c.db.Country(addr)
			if err != nil {
				t.Fatalf("Country(%s): %v", c.addr, err)
			}
			if got != c.want {
				t.Errorf("Country(%s) = %q, want %q", c.addr, got, c.want)
			}
		})
	}
}

func TestCountryIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	db := open(t, geotest.Write(t, geotest.Options{}, world...))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if c, err := db.Country(netip.MustParseAddr("203.0.113.9")); c != "DE" || err != nil {
					t.Errorf("Country = %q, %v", c, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	garbage := filepath.Join(t.TempDir(), "garbage.mmdb")
	if err := os.WriteFile(garbage, []byte("this is not a MaxMind database"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, path, want string
	}{
		{"a missing file", filepath.Join(t.TempDir(), "nope.mmdb"), "nope.mmdb"},
		{"a file that is no MaxMind database", garbage, "garbage.mmdb"},
		{"a database without countries", geotest.Write(t, geotest.Options{Type: "GeoLite2-ASN"}), "GeoLite2-ASN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, err := geo.Open(c.path)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s) succeeded", c.path)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Open(%s) = %v, want an error naming %q", c.path, err, c.want)
			}
		})
	}
}

func TestOpenReportsTheType(t *testing.T) {
	t.Parallel()
	if got := open(t, geotest.Write(t, geotest.Options{Type: "GeoIP2-City"})).Type(); got != "GeoIP2-City" {
		t.Errorf("Type() = %q", got)
	}
	var none *geo.DB
	if none.Type() != "" || none.Close() != nil {
		t.Errorf("a nil DB has a type or fails to close")
	}
}
