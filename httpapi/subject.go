package httpapi

import (
	"net/http"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
)

// SubjectEventsHandler serves GET /v1/subjects/{subject_key}/events to
// owners and auditors: the logged events that concern one person, each
// with the entry, its inclusion proof, the signed checkpoint it is proven
// against and, where the event commits to a set of subjects, the proof
// that the person is in it (an auditlog.SubjectEvents; sluice verify
// --proof checks it offline). An org sees the events it acted in and the
// events about its datasets.
func (s *Server) SubjectEventsHandler(log *auditlog.Log) http.Handler {
	return s.auth(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		key := r.PathValue("subject_key")
		if !sluice.IsSubjectKey(key) {
			writeError(w, r, s.Logger, sluice.Errorf(sluice.EINVALID, "%q is not a subject key (64 lower-case hex characters).", key))
			return
		}
		actor := sluice.ActorFromContext(ctx)
		owned := map[int64]bool{}
		var lookupErr error
		visible := func(_ int64, e *sluice.Event) bool {
			if actor == nil || actor.Org == nil {
				return false
			}
			if e.Actor.Org == actor.Org.Name {
				return true
			}
			id, ok := datasetID(e)
			if !ok {
				return false
			}
			if v, seen := owned[id]; seen {
				return v
			}
			_, err := s.Datasets.FindDatasetByID(ctx, id) // ENOTFOUND unless the actor's org owns it
			if err != nil && sluice.ErrorCode(err) != sluice.ENOTFOUND && lookupErr == nil {
				lookupErr = err
			}
			owned[id] = err == nil
			return owned[id]
		}
		p, err := log.ProveSubjectEvents(ctx, key, visible)
		if err == nil {
			err = lookupErr
		}
		if err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
		writeJSON(w, http.StatusOK, p)
	}, sluice.RoleOwner, sluice.RoleAuditor)
}

// datasetID returns the dataset an event is about, if any.
func datasetID(e *sluice.Event) (int64, bool) {
	switch v := e.Object["dataset"].(type) {
	case float64:
		return int64(v), v == float64(int64(v))
	case int64:
		return v, true
	}
	return 0, false
}
