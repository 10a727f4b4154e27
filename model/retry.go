package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"
)

// RetryPolicy bounds the retries of one model call. The zero value means
// the defaults below; tests shrink the delays and replace Wait.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts in all, first one included
	// (default 5).
	MaxAttempts int
	// BaseDelay is the backoff before the second attempt; it doubles with
	// each further attempt (default 1s).
	BaseDelay time.Duration
	// MaxDelay caps the exponential backoff (default 30s).
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After the call will sit out;
	// a server asking for more fails the call at once (default 2m).
	MaxRetryAfter time.Duration
	// IdleTimeout aborts an attempt when the server sends nothing for this
	// long, so a stalled connection cannot hang a task (default 5m).
	IdleTimeout time.Duration
	// Wait sleeps d or until ctx is done; nil uses a timer.
	Wait func(ctx context.Context, d time.Duration) error
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = time.Second
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 2 * time.Minute
	}
	if p.IdleTimeout <= 0 {
		p.IdleTimeout = 5 * time.Minute
	}
	if p.Wait == nil {
		p.Wait = sleep
	}
	return p
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff is the delay before attempt n+1: exponential with jitter in
// [d/2, d], so that clients hit by the same outage spread out.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	half := d / 2
	return half + rand.N(half+1)
}

// errIdle is the cancel cause of an attempt that went silent.
var errIdle = errors.New("no data from the server")

// attempt is one try of a model call. The provider reports text through
// text, which remembers that something reached the caller; every byte read
// from the answer (see aliveBody) holds off the idle watchdog.
type attempt struct {
	onText    func(string)
	delivered bool
	idle      *time.Timer
	timeout   time.Duration
}

func (a *attempt) text(delta string) {
	if delta == "" {
		return
	}
	a.delivered = true
	if a.onText != nil {
		a.onText(delta)
	}
}

func (a *attempt) alive() { a.idle.Reset(a.timeout) }

// attemptKey carries the *attempt in the request context, for aliveBody.
type attemptKey struct{}

// aliveBody feeds the idle watchdog on every byte that arrives, keep-alive
// comments included, which carry no event the provider would see.
type aliveBody struct {
	io.ReadCloser
	a *attempt
}

func (b *aliveBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.a.alive()
	}
	return n, err
}

// do runs fn until it succeeds or fails for good: errors that are not
// temporary, text already streamed to onText (it cannot be taken back), the
// attempts used up, or ctx done. The error names the provider.
func (p RetryPolicy) do(ctx context.Context, provider string, onText func(string),
	fn func(ctx context.Context, a *attempt) (Response, error)) (Response, error) {
	p = p.withDefaults()
	for n := 1; ; n++ {
		actx, cancel := context.WithCancelCause(ctx)
		a := &attempt{onText: onText, timeout: p.IdleTimeout}
		a.idle = time.AfterFunc(p.IdleTimeout, func() { cancel(errIdle) })
		resp, err := fn(context.WithValue(actx, attemptKey{}, a), a)
		a.idle.Stop()
		idle := context.Cause(actx) == errIdle
		cancel(nil)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return Response{}, fmt.Errorf("%s: %w", provider, ctx.Err())
		}
		if idle {
			err = fmt.Errorf("%s: %w for %s", provider, errIdle, p.IdleTimeout)
		} else {
			err = describe(provider, err)
		}
		temporary, after := classify(err)
		if idle {
			temporary = true
		}
		switch {
		case !temporary || a.delivered:
			return Response{}, err
		case n >= p.MaxAttempts:
			if n > 1 {
				err = fmt.Errorf("%w (gave up after %d attempts)", err, n)
			}
			return Response{}, err
		case after > p.MaxRetryAfter:
			return Response{}, fmt.Errorf("%w (server asks to retry after %s)", err, after.Round(time.Second))
		}
		delay := after
		if delay == 0 {
			delay = p.backoff(n)
		}
		if werr := p.Wait(ctx, delay); werr != nil {
			if ctx.Err() != nil {
				return Response{}, fmt.Errorf("%s: %w", provider, ctx.Err())
			}
			return Response{}, fmt.Errorf("%s: %w", provider, werr)
		}
	}
}

// classify says whether err is worth another attempt, and after how long
// the server asked to wait (zero: use the backoff).
func classify(err error) (temporary bool, after time.Duration) {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Temporary(), he.RetryAfter
	}
	var se *StreamError
	if errors.As(err, &se) {
		return se.Temporary(), 0
	}
	return isDropped(err), 0
}

// isDropped reports a connection that broke after it was made: reset,
// closed or cut short. Refused connections and failed lookups are not
// retried: the server is not there, and the user should hear so at once.
func isDropped(err error) bool {
	if isDialError(err) {
		return false
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, net.ErrClosed)
}

func isDialError(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de)
}

// errDescribed marks an error whose message already names the provider.
type errDescribed struct{ error }

func (e errDescribed) Unwrap() error { return e.error }

// describe gives err a message that names the provider and says what went
// wrong in the user's terms, keeping the original for errors.Is/As.
func describe(provider string, err error) error {
	var he *HTTPError
	var se *StreamError
	var d errDescribed
	switch {
	case errors.As(err, &he):
		return he // its message says it all; SDK wrappers would only repeat it
	case errors.As(err, &se):
		return se
	case errors.As(err, &d):
		return err
	case isDialError(err):
		return fmt.Errorf("%s: cannot reach the server: %w", provider, err)
	case isDropped(err):
		return fmt.Errorf("%s: connection lost: %w", provider, err)
	}
	return fmt.Errorf("%s: %w", provider, err)
}

// described wraps an error whose message the provider has written itself.
func described(format string, args ...any) error {
	return errDescribed{fmt.Errorf(format, args...)}
}
