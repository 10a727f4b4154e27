package runner

import "time"

// NewWithMinTimeout is New with a lower bound for Options.Timeout other than
// one second, so that tests can time jobs out quickly.
func NewWithMinTimeout(opts Options, minTimeout time.Duration) (*Runner, error) {
	return newRunner(opts, minTimeout)
}

// ArmedTimers returns how many jobs still hold a timeout timer.
func (r *Runner) ArmedTimers() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.jobs {
		if e.timer != nil {
			n++
		}
	}
	return n
}
