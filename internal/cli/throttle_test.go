package cli

import (
	"testing"
	"time"

	"atrium/internal/config"
	"atrium/internal/service"
)

func TestThrottleSettingsReachTheService(t *testing.T) {
	cases := []struct {
		name string
		in   config.Login
		want service.Throttle
	}{
		{"the configured limits pass through", config.Login{MaxFailures: 3, MaxFailuresPerIP: 40, Window: time.Hour}, service.Throttle{PerLogin: 3, PerIP: 40, Window: time.Hour}},
		{"a limit of 0 turns that limit off", config.Login{MaxFailures: 0, MaxFailuresPerIP: 0, Window: time.Minute}, service.Throttle{PerLogin: -1, PerIP: -1, Window: time.Minute}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := throttleOf(c.in); got != c.want {
				t.Errorf("throttleOf(%+v) = %+v, want %+v", c.in, got, c.want)
			}
		})
	}
}

func TestRateLimitSettingsReachTheService(t *testing.T) {
	cases := []struct {
		name string
		in   config.RateLimit
		want service.RateLimit
	}{
		{"the configured limits pass through", config.RateLimit{MaxPerIP: 7, MaxPerEmail: 2, Window: time.Minute}, service.RateLimit{PerIP: 7, PerEmail: 2, Window: time.Minute}},
		{"a limit of 0 turns that limit off", config.RateLimit{Window: time.Hour}, service.RateLimit{PerIP: -1, PerEmail: -1, Window: time.Hour}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := rateLimitOf(c.in); got != c.want {
				t.Errorf("rateLimitOf(%+v) = %+v, want %+v", c.in, got, c.want)
			}
		})
	}
}
