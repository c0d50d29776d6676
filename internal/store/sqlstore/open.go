// Package sqlstore implements store.Store over database/sql: SQLite
// (modernc.org/sqlite, no cgo) today, with SQL written to serve PostgreSQL
// unchanged ($N placeholders, BIGINT times, JSON as text).
//
// SQLite is opened with busy_timeout first, then WAL, foreign keys and
// synchronous=NORMAL; writes go through one connection (BEGIN IMMEDIATE),
// reads through a pool.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"atrium/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Store is a database/sql backed store.Store.
type Store struct {
	reader
	rw *sql.DB // writes (one connection for SQLite)
	ro *sql.DB // reads
}

var _ store.Store = (*Store)(nil)

// DBFile is the SQLite database's file name inside the data directory.
const DBFile = "atrium.db"

func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	// busy_timeout first: every later pragma may already need the lock.
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "cache_size(-32000)")
	q.Add("_pragma", "temp_store(MEMORY)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// OpenSQLite opens (creating if needed) the SQLite database in dataDir. If
// migrate is true it applies pending migrations; otherwise it refuses a
// database whose schema is not exactly the one this binary knows.
func OpenSQLite(ctx context.Context, dataDir string, migrate bool) (*Store, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dataDir, DBFile)
	// Create the file with its final mode before SQLite does, so that it is
	// never readable by others, not even for a moment.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	rw, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	rw.SetMaxOpenConns(1)
	rw.SetMaxIdleConns(1)
	rw.SetConnMaxLifetime(0)
	if err := rw.PingContext(ctx); err != nil {
		rw.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		rw.Close()
		return nil, fmt.Errorf("restrict %s: %w", path, err)
	}
	if err := checkSchema(ctx, rw, goose.DialectSQLite3, "migrations/sqlite", migrate); err != nil {
		rw.Close()
		return nil, err
	}
	ro, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		rw.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU()*2)
	ro.SetMaxOpenConns(n)
	ro.SetMaxIdleConns(n)
	s := &Store{rw: rw, ro: ro}
	s.reader = reader{q: ro, d: sqliteDialect}
	return s, nil
}

func checkSchema(ctx context.Context, db *sql.DB, dialect goose.Dialect, dir string, migrate bool) error {
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, db, sub)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > target {
		return fmt.Errorf("%w: database is at version %d, newer than this binary's %d; run a newer atrium", store.ErrSchema, current, target)
	}
	if migrate {
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("apply migrations: %w", err)
		}
		return nil
	}
	if current != target {
		return fmt.Errorf("%w: database is at version %d, this binary knows version %d (run atrium migrate)", store.ErrSchema, current, target)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	return errors.Join(s.ro.Close(), s.rw.Close())
}

// dialect holds what differs between SQL backends.
type dialect struct {
	name string
	// classify maps a driver error to a store sentinel, or returns nil.
	classify func(error) error
	// lower names the SQL function that lower-cases text as Go's
	// strings.ToLower does; "" means the built-in lower().
	lower string
}

// sqliteLower is a Unicode lower() for SQLite, whose built-in one folds
// ASCII letters only: without it ListUsers would not find "Élodie" even
// for the query "Élodie", which the caller lower-cases to "élodie".
const sqliteLower = "atrium_lower"

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(sqliteLower, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		}
		return args[0], nil
	})
}

var sqliteDialect = dialect{
	name:  "sqlite",
	lower: sqliteLower,
	classify: func(err error) error {
		var se *sqlite.Error
		if errors.As(err, &se) {
			switch se.Code() {
			case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
				return store.ErrConflict
			case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
				return store.ErrConflict
			}
		}
		return nil
	},
}
