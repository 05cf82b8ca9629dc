package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
)

// LogEntryHandler serves GET /v1/log/entries/{index}: a full audit entry
// with its salt, its inclusion proof and the signed checkpoint the proof
// is against (an auditlog.EntryProof, which auditlog.VerifyEntryProof
// checks offline). The public log holds only a commitment to each entry;
// this is how those entitled read it: the orgs that took part in the
// event (its actor, the org it is about, the owner of its dataset, the
// owner and consumer of its grant), auditors of those orgs, and
// supervisors. Anyone else gets 404, exactly as for an index with no
// entry, so the answer never tells whether an entry exists.
func (s *Server) LogEntryHandler(log *auditlog.Log) http.Handler {
	return s.auth(func(w http.ResponseWriter, r *http.Request) {
		raw := r.PathValue("index")
		idx, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			writeError(w, r, s.Logger, sluice.Errorf(sluice.ENOTFOUND, "No log entry %q.", raw))
			return
		}
		p, err := log.ProveEntryTo(r.Context(), idx, s.tookPart)
		if err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
		writeJSON(w, http.StatusOK, p)
	}, sluice.RoleOwner, sluice.RoleConsumer, sluice.RoleAuditor, sluice.RoleSupervisor)
}

// tookPart reports whether the actor of ctx may read event e in full: a
// supervisor when the event is about an org of its regions; an org if it acted, if e is about it, about one of
// its datasets, or about a grant it owns or consumes.
func (s *Server) tookPart(ctx context.Context, e *sluice.Event) (bool, error) {
	a := sluice.ActorFromContext(ctx)
	if a != nil && a.Role == sluice.RoleSupervisor {
		// A supervisor reads the entries of the orgs in its regions.
		if s.Supervise == nil {
			return false, nil
		}
		orgs, datasets, err := s.Supervise.Scope(ctx)
		if err != nil {
			return false, err
		}
		name, _ := e.Object["org"].(string)
		id, _ := objectID(e, "dataset")
		return orgs[e.Actor.Org] || orgs[name] || datasets[id], nil
	}
	if a == nil || a.Org == nil {
		return false, nil
	}
	if e.Actor.Org == a.Org.Name {
		return true, nil
	}
	if name, ok := e.Object["org"].(string); ok && name == a.Org.Name {
		return true, nil
	}
	if id, ok := objectID(e, "dataset"); ok && s.Datasets != nil {
		// ENOTFOUND unless the actor's org owns it.
		if _, err := s.Datasets.FindDatasetByID(ctx, id); err == nil {
			return true, nil
		} else if sluice.ErrorCode(err) != sluice.ENOTFOUND {
			return false, err
		}
	}
	if id, ok := objectID(e, "grant"); ok && s.Sharing != nil {
		// ENOTFOUND unless the actor's org owns or consumes it.
		if _, err := s.Sharing.Grants.FindGrantByID(ctx, id); err == nil {
			return true, nil
		} else if sluice.ErrorCode(err) != sluice.ENOTFOUND {
			return false, err
		}
	}
	return false, nil
}

// objectID returns the id of the object of kind an event is about, if
// any.
func objectID(e *sluice.Event, kind string) (int64, bool) {
	switch v := e.Object[kind].(type) {
	case float64:
		return int64(v), v == float64(int64(v))
	case int64:
		return v, true
	}
	return 0, false
}
