package main

import (
	"errors"
	"sync"

	"github.com/sirupsen/logrus"
)

// errorHook remembers the first error logged, so the demo can exit non-zero
// with it instead of waiting for its timeout.
type errorHook struct {
	mu    sync.Mutex
	first error
	ch    chan struct{}
}

func newErrorHook() *errorHook {
	return &errorHook{ch: make(chan struct{})}
}

// Levels returns the levels that count as a failure.
func (h *errorHook) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel}
}

// Fire records the entry if it is the first failure.
func (h *errorHook) Fire(e *logrus.Entry) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.first != nil {
		return nil
	}
	msg := e.Message
	if err, ok := e.Data[logrus.ErrorKey].(error); ok {
		msg += ": " + err.Error()
	}
	h.first = errors.New(msg)
	close(h.ch)
	return nil
}

// fired is closed at the first failure.
func (h *errorHook) fired() <-chan struct{} {
	return h.ch
}

// err returns the first failure, or nil.
func (h *errorHook) err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.first
}
