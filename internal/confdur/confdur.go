// Package confdur parses the duration fields of hotbus configs, which are
// Go duration strings ("100ms") so YAML config sets stay readable.
package confdur

import (
	"fmt"
	"time"
)

// Parse returns s as a duration, or def if s is empty. field names the
// config field in errors.
func Parse(field, s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %w: use a Go duration such as \"100ms\"", field, s, err)
	}
	if d < 0 {
		return 0, fmt.Errorf("%s %q is negative", field, s)
	}
	return d, nil
}
