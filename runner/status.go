package runner

import "time"

// Status is where a job is in its life.
type Status string

// The statuses of a job. Queued and running are transient; the others are
// final and each job reaches exactly one of them.
const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusCompleted Status = "completed"
	StatusFailed    Status = "failed"
	StatusTimedOut  Status = "timed_out"
	StatusCancelled Status = "cancelled"
)

// Final reports whether s is a final status.
func (s Status) Final() bool {
	switch s {
	case StatusCompleted, StatusFailed, StatusTimedOut, StatusCancelled:
		return true
	}
	return false
}

// Info is a snapshot of a job.
type Info struct {
	ID, ParentID, Title string
	Status              Status

	// CreatedAt is when the job was submitted; StartedAt and FinishedAt are
	// zero until the job starts running or reaches a final status. A job
	// cancelled while queued has a zero StartedAt.
	CreatedAt, StartedAt, FinishedAt time.Time

	// Result is what Run returned, set only when Status is completed.
	Result string
	// Error says what went wrong when Status is failed, timed_out or
	// cancelled.
	Error string
}
