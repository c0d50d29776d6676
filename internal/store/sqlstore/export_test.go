package sqlstore

import (
	"context"
	"database/sql"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// MigrateDownTo rolls a SQLite database back to schema version v with the
// migrations' own Down sections: for tests of a migration that changes
// existing data, whatever migrations come after it.
func MigrateDownTo(ctx context.Context, db *sql.DB, v int64) error {
	sub, err := fs.Sub(migrations, "migrations/sqlite")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, v)
	return err
}
