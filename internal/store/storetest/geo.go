package storetest

import (
	"errors"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// geoCases cover what the geography rule needs of a store.
var geoCases = []testCase{
	{"an account without a geography rule reads as not found", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		_, err := f.s.GetGeoRule(f.ctx, "acc")
		wantNotFound(t, "GetGeoRule", err)
	}},
	{"a geography rule reads back as set, and setting again replaces it", func(t *testing.T, f *fixture) {
		f.create(account("acc"), account("other"))
		want := domain.GeoRule{Mode: domain.GeoAllow, Countries: []string{"DE", "FR"}, Unknown: domain.GeoUnknownDeny}
		f.update(func(tx store.Tx) error { return tx.SetGeoRule(f.ctx, "acc", want) })
		got, err := f.s.GetGeoRule(f.ctx, "acc")
		f.must(err)
		diff(t, "rule", want, got)
		want = domain.GeoRule{Mode: domain.GeoOff, Countries: []string{}, Unknown: domain.GeoUnknownAllow}
		f.update(func(tx store.Tx) error { return tx.SetGeoRule(f.ctx, "acc", want) })
		got, err = f.s.GetGeoRule(f.ctx, "acc")
		f.must(err)
		diff(t, "replaced rule", want, got)
		_, err = f.s.GetGeoRule(f.ctx, "other")
		wantNotFound(t, "another account's rule", err)
	}},
	{"a rule set without countries reads back with an empty list", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		f.update(func(tx store.Tx) error {
			return tx.SetGeoRule(f.ctx, "acc", domain.GeoRule{Mode: domain.GeoOff, Unknown: domain.GeoUnknownAllow})
		})
		got, err := f.s.GetGeoRule(f.ctx, "acc")
		f.must(err)
		diff(t, "rule", domain.GeoRule{Mode: domain.GeoOff, Countries: []string{}, Unknown: domain.GeoUnknownAllow}, got)
	}},
	{"a rule set in a transaction that fails is not kept", func(t *testing.T, f *fixture) {
		f.create(account("acc"))
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error {
			if err := tx.SetGeoRule(f.ctx, "acc", domain.GeoRule{Mode: domain.GeoDeny, Countries: []string{"DE"}, Unknown: domain.GeoUnknownAllow}); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("Update = %v, want the function's error", err)
		}
		_, err = f.s.GetGeoRule(f.ctx, "acc")
		wantNotFound(t, "the rolled-back rule", err)
	}},
	{"setting the rule of an unknown account is not found", func(t *testing.T, f *fixture) {
		_, err := f.s.Update(f.ctx, func(tx store.Tx) error {
			return tx.SetGeoRule(f.ctx, "nope", domain.GeoRule{Mode: domain.GeoDeny, Countries: []string{"DE"}, Unknown: domain.GeoUnknownAllow})
		})
		wantNotFound(t, "SetGeoRule", err)
	}},
}
