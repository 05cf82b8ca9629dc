package sluice

import "context"

// An Actor is who makes a call: an org acting in a role through one key,
// or the system: the operator's local administration at the command line
// (orgs, keys, demo seeding, recovery and other jobs of the server
// itself), which no request can act as.
type Actor struct {
	Org  *Org
	Role Role
	Key  string // API key id; "" for the system
	// Regions are a supervisor's regions (Org is then nil). Stores do not
	// know supervisors: the supervise service reads for them, org by org.
	Regions []Region

	system bool
}

// systemActor is the one system actor; only NewSystemContext hands it out.
var systemActor = &Actor{system: true}

// NewSystemContext returns a copy of ctx that carries the system actor.
// Only the command line and the server's own jobs use it: the HTTP API
// builds the actor of a request from its API key alone.
func NewSystemContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, actorKey{}, systemActor)
}

// System reports whether a is the system actor (see NewSystemContext).
func (a *Actor) System() bool { return a != nil && a.system }

// Operator reports whether the actor is the operator at the command line,
// who administers the server rather than acting for an org: the system
// actor, or (in tests) no actor at all.
func (a *Actor) Operator() bool { return a == nil || a.system }

type actorKey struct{}

// NewContextWithActor returns a copy of ctx that carries a.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor ctx carries, or nil for the operator.
func ActorFromContext(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// OrgIDFromContext returns the id of the acting org, or 0 for the operator.
func OrgIDFromContext(ctx context.Context) int64 {
	if a := ActorFromContext(ctx); a != nil && a.Org != nil {
		return a.Org.ID
	}
	return 0
}
