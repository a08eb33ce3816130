// Package confdur parses the duration fields of hotbus configs, which are
// Go duration strings ("100ms") so YAML config sets stay readable.
package confdur

import (
	"fmt"
	"time"
)

// Max is the longest duration a field may have. The fields are debounces:
// how long saves or file changes must be quiet before hotbus acts, so a
// longer one would only look like a reload that never comes.
const Max = time.Minute

// Parse returns s as a duration, or def if s is empty. A negative duration
// or one above Max is an error. field names the config field in errors.
func Parse(field, s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %w: use a Go duration such as \"100ms\"", field, s, err)
	}
	if d < 0 {
		return 0, fmt.Errorf("%s %q is negative: use a Go duration from 0 to %v, such as \"100ms\"", field, s, Max)
	}
	if d > Max {
		return 0, fmt.Errorf("%s %q is longer than %v, the most it may be: changes would wait that long before anything happens; use something like \"100ms\"", field, s, Max)
	}
	return d, nil
}
