// Package groupcommit runs the write transactions of many callers as few
// database transactions: calls that arrive while one transaction commits
// are run together in the next, each in its own SAVEPOINT, so that one
// call's failure rolls back only its own changes and one commit (one
// fsync) makes all the others durable. The sqlite and postgres packages
// run their control-store changes through it.
package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
)

// ErrClosed is returned by Do once the committer is stopped.
var ErrClosed = errors.New("groupcommit: database closed")

// Ops are the database operations a Committer needs, on a transaction of
// type T.
type Ops[T any] struct {
	// Begin starts a transaction.
	Begin func(ctx context.Context) (T, error)
	// Savepoint sets a savepoint before each call.
	Savepoint func(ctx context.Context, tx T) error
	// RollbackToSavepoint undoes the changes of a call that failed, back
	// to the latest savepoint.
	RollbackToSavepoint func(ctx context.Context, tx T) error
	// Commit commits the transaction, durably.
	Commit func(ctx context.Context, tx T) error
	// Rollback abandons the transaction.
	Rollback func(ctx context.Context, tx T)
}

// A Committer runs the functions given to Do in shared transactions.
type Committer[T any] struct {
	ops      Ops[T]
	maxBatch int

	reqs    chan *request[T]
	closing chan struct{}
	done    chan struct{}
	once    sync.Once
}

type request[T any] struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx T) error
	done chan error
}

// New starts a committer that puts up to maxBatch calls in a transaction.
// Stop it with Stop.
func New[T any](ops Ops[T], maxBatch int) *Committer[T] {
	c := &Committer[T]{
		ops:      ops,
		maxBatch: max(maxBatch, 1),
		reqs:     make(chan *request[T]),
		closing:  make(chan struct{}),
		done:     make(chan struct{}),
	}
	go c.loop()
	return c
}

// Stop stops the committer once the batch under way is done. Later calls
// to Do return ErrClosed.
func (c *Committer[T]) Stop() {
	c.once.Do(func() { close(c.closing) })
	<-c.done
}

// Do runs fn in a transaction and returns once that transaction is
// committed, or has failed: nil only if fn returned nil and the
// transaction committed.
//
// fn runs on the committer's goroutine after the calls queued before it,
// in the same transaction as some of them, and sees their changes. It gets
// a context with ctx's values but not its cancellation: cancelling one
// caller must not interrupt a transaction that others share. A call whose
// ctx is done before fn runs returns ctx.Err() and fn never runs; once fn
// has run, Do waits for the commit whatever ctx says, so that its result
// tells the truth. A panic in fn is raised again in the caller.
func (c *Committer[T]) Do(ctx context.Context, fn func(ctx context.Context, tx T) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request[T]{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case c.reqs <- r:
	case <-c.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	err := <-r.done
	var p *panicError
	if errors.As(err, &p) {
		panic(fmt.Sprintf("%v\n\n[recovered on the group-commit goroutine]\n%s", p.value, p.stack))
	}
	return err
}

func (c *Committer[T]) loop() {
	defer close(c.done)
	batch := make([]*request[T], 0, c.maxBatch)
	for {
		batch = batch[:0]
		select {
		case r := <-c.reqs:
			batch = append(batch, r)
		case <-c.closing:
			return
		}
		// Take every call that queued up while the last batch committed.
	fill:
		for len(batch) < c.maxBatch {
			select {
			case r := <-c.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		c.run(batch)
	}
}

// run runs batch in one transaction and tells each caller its outcome.
func (c *Committer[T]) run(batch []*request[T]) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	ran := make([]bool, len(batch))
	var failed error // the transaction as a whole failed
	tx, err := c.ops.Begin(ctx)
	if err != nil {
		failed = err
	}
	for i, r := range batch {
		if failed != nil {
			break
		}
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if err := c.ops.Savepoint(ctx, tx); err != nil {
			failed = fmt.Errorf("savepoint: %w", err)
			break
		}
		ran[i] = true
		if errs[i] = call(r, tx); errs[i] != nil {
			// Undo this call's changes only; earlier calls' savepoints
			// stay open until the commit releases them all.
			if err := c.ops.RollbackToSavepoint(ctx, tx); err != nil {
				failed = fmt.Errorf("rollback to savepoint: %w", err)
			}
		}
	}
	if failed == nil {
		failed = c.ops.Commit(ctx, tx)
	} else if err == nil { // begun
		c.ops.Rollback(ctx, tx)
	}
	for i, r := range batch {
		switch {
		case failed == nil:
		case errs[i] == nil:
			errs[i] = failed
		case ran[i]:
			errs[i] = fmt.Errorf("%w (and the transaction failed: %v)", errs[i], failed)
		}
		r.done <- errs[i]
	}
}

// call runs r.fn, turning a panic into a *panicError for its caller.
func call[T any](r *request[T], tx T) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return r.fn(context.WithoutCancel(r.ctx), tx)
}

// A panicError carries a panic on the committer's goroutine back to the
// caller of Do.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }
