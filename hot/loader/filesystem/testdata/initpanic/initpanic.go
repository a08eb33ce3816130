// Package initpanic panics in its init. No host links it: only the
// initpanic test plugins do, so its init runs in plugin.Open.
package initpanic

// Value is read by the test plugin so the package is linked.
var Value = "never set"

func init() {
	panic("initpanic: boom in init")
}
