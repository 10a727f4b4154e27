package store

// Design
//
// Layout. Under the data directory (Options.Dir), each workspace has its own
// directory named by the first 16 hex digits of the SHA-256 of its cleaned
// root path, with the root written inside for people browsing the files:
//
//	<dir>/workspaces/<hash>/root.txt
//	<dir>/workspaces/<hash>/tasks/<taskId>/meta.json       TaskInfo, replaced atomically
//	<dir>/workspaces/<hash>/tasks/<taskId>/messages.jsonl  one Message per line, append-only
//	<dir>/workspaces/<hash>/tasks/<taskId>/lock            flock(2) target, holds the holder's pid
//
// Directories are 0700 and files 0600: conversations are private.
//
// Writing. meta.json is replaced by writing a temporary file in the same
// directory, fsync, rename, fsync of the directory, so it is always either
// the old or the new record. Each completed message is one JSON line,
// written with a single write on an O_APPEND descriptor and fsynced before
// Append returns; the caller announces a message only after that, so an
// announced message is never lost. Streamed chunks (Partial) are never
// written. Lines are at most 16 MiB.
//
// Locking. A task being written is held open by a Handle, which owns an
// exclusive flock on the task's lock file. The kernel releases it when the
// process exits in any way, kill -9 included. Only the holder appends to
// the log or replaces the metadata, so two agentls processes on one data
// directory never interleave writes; a second Open of the task fails with
// a *LockedError naming the holder's pid. List and Get take no lock to
// read: they see whole metadata files (rename is atomic) and only complete
// lines of the log.
//
// Recovery. A task whose metadata says it is still working (queued,
// running, waiting, paused) while nobody holds its lock was left behind by
// a process that died. List, Get and Open report it as cancelled with an
// Error saying it was interrupted, and save that correction when they can
// take the lock for a moment (List and Get probe with a shared lock, so
// concurrent probes do not mistake each other for a live task, and Open
// retries briefly so a probe does not look like a holder). A damaged meta
// file, a line that is not a message, a line over the size limit and an
// unterminated last line (a write torn by a crash, or one still in
// progress) are skipped with a warning; Open cuts a torn tail off so that
// the next append starts on a fresh line.
//
// Creation and deletion. Create makes the task directory, takes the lock,
// then creates the log and the metadata: a directory without meta.json is a
// task being created and is not listed. Retention deletes the oldest tasks
// beyond Options.Keep after each Create, skipping open ones: it takes the
// task's lock, renames the directory to a hidden .trash- name, releases the
// lock and removes it; leftovers of a crash mid-removal are removed by the
// next Open of the store.
