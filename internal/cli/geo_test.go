package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"atrium/internal/geo/geotest"
	"atrium/internal/identity"
)

// startServe runs atrium serve with env on a free loopback port until the
// test ends, and returns its base URL.
func startServe(t *testing.T, env map[string]string) string {
	t.Helper()
	return startServeIn(t, t.TempDir(), env)
}

// startServeIn is startServe on the data directory data.
func startServeIn(t *testing.T, data string, env map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		done <- Main(ctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, Env{Stdout: io.Discard, Stderr: pw,
			Getenv: func(k string) string { return env[k] }, Password: identity.TestParams})
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	var logged strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		logged.WriteString(sc.Text() + "\n")
		if m := regexp.MustCompile(`msg=serving addr=(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, pr)
			return "http://" + m[1]
		}
	}
	t.Fatalf("server did not start:\n%s", logged.String())
	return ""
}

// TestServeLocatesClientsThroughTheTrustedProxy: serve opens the GeoIP
// database and believes the configured header from the configured
// proxies only, as the geography settings show.
func TestServeLocatesClientsThroughTheTrustedProxy(t *testing.T) {
	db := geotest.Write(t, geotest.Options{}, geotest.Network{CIDR: "198.51.100.0/24", Country: "FR"})
	settings := func(t *testing.T, base, header string) (string, bool) {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/api/v1/auth/login", strings.NewReader(`{"login":"ada","password":"correct horse battery"}`))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("sign-in: %d", res.StatusCode)
		}
		req, _ = http.NewRequest("GET", base+"/api/v1/account/geo", nil)
		for _, c := range res.Cookies() {
			req.AddCookie(c)
		}
		req.Header.Set("X-Forwarded-For", header)
		res, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var g struct {
			GeoIPDatabase bool   `json:"geoip_database"`
			ClientCountry string `json:"client_country"`
		}
		if err := json.NewDecoder(res.Body).Decode(&g); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET /api/v1/account/geo: %d, %v", res.StatusCode, err)
		}
		return g.ClientCountry, g.GeoIPDatabase
	}
	base := map[string]string{"ATRIUM_BOOTSTRAP_USERNAME": "ada", "ATRIUM_BOOTSTRAP_EMAIL": "ada@acme.example", "ATRIUM_BOOTSTRAP_PASSWORD": "correct horse battery"}
	with := func(extra map[string]string) map[string]string {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	for _, c := range []struct {
		name     string
		env      map[string]string
		country  string
		database bool
	}{
		{"with the database and the header trusted from loopback, the header's country",
			map[string]string{"ATRIUM_GEOIP_DB": db, "ATRIUM_TRUSTED_PROXY_HEADER": "X-Forwarded-For", "ATRIUM_TRUSTED_PROXIES": "127.0.0.1, ::1"}, "FR", true},
		{"with the database and no header trusted, unknown", map[string]string{"ATRIUM_GEOIP_DB": db}, "", true},
		{"with the header trusted from other proxies, unknown",
			map[string]string{"ATRIUM_GEOIP_DB": db, "ATRIUM_TRUSTED_PROXY_HEADER": "X-Forwarded-For", "ATRIUM_TRUSTED_PROXIES": "10.0.0.0/8"}, "", true},
		{"without a database, unknown", map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "X-Forwarded-For", "ATRIUM_TRUSTED_PROXIES": "127.0.0.1"}, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			country, database := settings(t, startServe(t, with(c.env)), "198.51.100.7")
			if country != c.country || database != c.database {
				t.Errorf("client_country %q, geoip_database %t; want %q, %t", country, database, c.country, c.database)
			}
		})
	}
}

func TestServeRefusesAGeoIPDatabaseItCannotUse(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		code int
		want string
	}{
		{"a missing file", map[string]string{"ATRIUM_GEOIP_DB": filepath.Join(t.TempDir(), "nope.mmdb")}, 1, "nope.mmdb"},
		{"a database without countries", map[string]string{"ATRIUM_GEOIP_DB": geotest.Write(t, geotest.Options{Type: "GeoLite2-ASN"})}, 1, "GeoLite2-ASN"},
		{"a trusted header without proxies", map[string]string{"ATRIUM_TRUSTED_PROXY_HEADER": "X-Real-IP"}, 2, "ATRIUM_TRUSTED_PROXIES"},
	} {
		t.Run(c.name+" stops the server before it listens", func(t *testing.T) {
			r := run(t, c.env, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
			if r.code != c.code || !strings.Contains(r.stderr, c.want) {
				t.Errorf("serve = %d, %q; want %d naming %s", r.code, r.stderr, c.code, c.want)
			}
		})
	}
}
