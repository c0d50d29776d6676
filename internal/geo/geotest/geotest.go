// Package geotest writes small MaxMind-format databases for tests, with
// github.com/maxmind/mmdbwriter, so that tests of the geography rule read
// a real .mmdb through the same reader as the server. Only tests import
// it: the writer never reaches the atrium binary.
package geotest

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Options describe a database.
type Options struct {
	// Type is the database type in its metadata; "" means
	// GeoLite2-Country.
	Type string
	// IPv4Only builds an IPv4 database, which cannot answer IPv6 lookups.
	IPv4Only bool
}

// Network is one network of a database and the record it holds.
type Network struct {
	CIDR string
	// Country is the record's country.iso_code; "" gives a record with a
	// continent and a registered country (US) but no country.
	Country string
}

// Write writes a database of the networks into a new file under
// t.TempDir() and returns its path. Reserved networks (documentation,
// private, loopback) are allowed, so that tests can use 192.0.2.0/24,
// 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32.
func Write(t testing.TB, opt Options, networks ...Network) string {
	t.Helper()
	o := mmdbwriter.Options{DatabaseType: opt.Type, IncludeReservedNetworks: true, RecordSize: 24,
		Description: map[string]string{"en": "Atrium test database"}, Languages: []string{"en"}}
	if o.DatabaseType == "" {
		o.DatabaseType = "GeoLite2-Country"
	}
	if opt.IPv4Only {
		o.IPVersion = 4
	}
	tree, err := mmdbwriter.New(o)
	if err != nil {
		t.Fatalf("geotest: new tree: %v", err)
	}
	for _, n := range networks {
		_, ipnet, err := net.ParseCIDR(n.CIDR)
		if err != nil {
			t.Fatalf("geotest: network %q: %v", n.CIDR, err)
		}
		// A real record also has the registered country, which the
		// reader must not take for the country: here always US.
		rec := mmdbtype.Map{"continent": mmdbtype.Map{"code": mmdbtype.String("EU")},
			"registered_country": mmdbtype.Map{"iso_code": mmdbtype.String("US")}}
		if n.Country != "" {
			rec["country"] = mmdbtype.Map{"iso_code": mmdbtype.String(n.Country), "names": mmdbtype.Map{"en": mmdbtype.String("Country " + n.Country)}}
		}
		if err := tree.Insert(ipnet, rec); err != nil {
			t.Fatalf("geotest: insert %s: %v", n.CIDR, err)
		}
	}
	path := filepath.Join(t.TempDir(), "test.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("geotest: %v", err)
	}
	defer f.Close()
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatalf("geotest: write %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("geotest: close %s: %v", path, err)
	}
	return path
}
