// Package geo tells the country of a client address from a MaxMind-format
// database (.mmdb: GeoLite2 or GeoIP2 Country or City, or any database of
// the same shape), read with github.com/oschwald/maxminddb-golang/v2.
//
// The contract: Country returns the upper-case ISO 3166-1 alpha-2 code of
// the country the database places an address in (the record's
// country.iso_code; the registered country is not used, being where the
// network was registered rather than where its user is), or "" when the
// location is unknown:
//
//   - there is no database (a nil *DB);
//   - the address is invalid, unspecified, loopback, private (RFC 1918,
//     fc00::/7), link-local or multicast: such addresses name no place,
//     and behind a proxy whose header is not trusted they are the proxy;
//   - the database has no record for the address (an IPv4-only database
//     has none for IPv6 addresses), or a record without a country, or a
//     code that is not an ISO 3166-1 country (such as EU).
//
// An error is returned, with "", only when the database cannot be read
// at the address's record (a damaged file); callers treat that address as
// unknown.
//
// A DB is safe for concurrent use. The file is memory-mapped: replace it
// by renaming a new file over it, never by rewriting it in place, and
// restart the server to read the new one.
package geo

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"

	"atrium/internal/domain"
)

// DB is an open MaxMind-format database.
type DB struct {
	r *maxminddb.Reader
}

// Open opens the database at path. It refuses a file that is not a
// MaxMind DB, and one whose type says it holds no countries (an ASN or
// ISP database would leave every address unknown without a word).
func Open(path string) (*DB, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open GeoIP database %s: %w", path, err)
	}
	typ := strings.ToLower(r.Metadata.DatabaseType)
	if !strings.Contains(typ, "country") && !strings.Contains(typ, "city") && !strings.Contains(typ, "enterprise") {
		r.Close()
		return nil, fmt.Errorf("open GeoIP database %s: its type %q holds no countries; want a Country or City database", path, r.Metadata.DatabaseType)
	}
	return &DB{r: r}, nil
}

// Close releases the database. Country must not be running or called
// after.
func (db *DB) Close() error {
	if db == nil {
		return nil
	}
	return db.r.Close()
}

// Type is the database's type as its metadata says (GeoLite2-Country,
// GeoIP2-City, ...), "" without a database.
func (db *DB) Type() string {
	if db == nil {
		return ""
	}
	return db.r.Metadata.DatabaseType
}

// Country returns the country of addr, or "" when it is unknown; see the
// package comment.
func (db *DB) Country(addr netip.Addr) (string, error) {
	addr = addr.Unmap().WithZone("")
	if db == nil || !Locatable(addr) {
		return "", nil
	}
	if addr.Is6() && db.r.Metadata.IPVersion == 4 {
		return "", nil // an IPv4 database knows no IPv6 network; the reader would call it an error
	}
	var code string
	if err := db.r.Lookup(addr).DecodePath(&code, "country", "iso_code"); err != nil {
		return "", fmt.Errorf("GeoIP lookup of %s: %w", addr, err)
	}
	code = strings.ToUpper(code)
	if !domain.IsCountryCode(code) {
		return "", nil
	}
	return code, nil
}

// Locatable reports whether an address may name a place: it is valid and
// not unspecified, loopback, private, link-local or multicast.
func Locatable(addr netip.Addr) bool {
	addr = addr.Unmap()
	return addr.IsValid() && !addr.IsUnspecified() && !addr.IsLoopback() && !addr.IsPrivate() &&
		!addr.IsLinkLocalUnicast() && !addr.IsLinkLocalMulticast() && !addr.IsInterfaceLocalMulticast() && !addr.IsMulticast()
}
