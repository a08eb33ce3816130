// Package testutil holds the helpers hotbus's tests share: a log writer to
// t.Log, a core bus that stops at the end of the test, the wait for a
// host's loaders to exit, and a log buffer to wait on. Only _test.go files
// import it.
//
// It knows nothing of hotbus's own packages (internal/ is the ground
// floor): callers pass the factories to register, and StopHost finds the
// loaders by their WaitExited method.
package testutil
