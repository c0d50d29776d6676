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
