package sluice

import "context"

// An Actor is who makes a call: an org acting in a role through one key,
// or the operator at the command line (Key == nil).
type Actor struct {
	Org  *Org
	Role Role
	Key  string // API key id; "" for the operator
	// Regions are a supervisor's regions (Org is then nil). Stores do not
	// know supervisors: the supervise service reads for them, org by org.
	Regions []Region
}

// Operator reports whether the actor is the operator at the command line,
// who administers the server rather than acting for an org.
func (a *Actor) Operator() bool { return a == nil || a.Key == "" && a.Org == nil }

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
