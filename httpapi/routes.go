package httpapi

import (
	"net/http"

	"github.com/sluice-gateway/sluice"
)

// sharingRoutes adds the governed-sharing routes.
func (s *Server) sharingRoutes(mux *http.ServeMux) {
	mux.Handle("POST /v1/purposes", s.auth(s.handleCreatePurpose, sluice.RoleOwner, sluice.RoleConsumer))
	mux.Handle("GET /v1/purposes", s.auth(s.handleListPurposes, sluice.RoleOwner, sluice.RoleConsumer, sluice.RoleAuditor))
	mux.Handle("POST /v1/grants", s.auth(s.handleCreateGrant, sluice.RoleConsumer))
	mux.Handle("GET /v1/grants", s.auth(s.handleListGrants, sluice.RoleOwner, sluice.RoleConsumer, sluice.RoleAuditor))
	mux.Handle("GET /v1/grants/{id}", s.auth(s.handleGetGrant, sluice.RoleOwner, sluice.RoleConsumer, sluice.RoleAuditor))
	mux.Handle("POST /v1/grants/{id}/approve", s.auth(s.handleApproveGrant, sluice.RoleOwner))
	mux.Handle("POST /v1/grants/{id}/deny", s.auth(s.handleDenyGrant, sluice.RoleOwner))
	mux.Handle("POST /v1/grants/{id}/revoke", s.auth(s.handleRevokeGrant, sluice.RoleOwner, sluice.RoleConsumer))
	mux.Handle("POST /v1/consents", s.auth(s.handleCreateConsent, sluice.RoleOwner))
	mux.Handle("GET /v1/consents", s.auth(s.handleListConsents, sluice.RoleOwner, sluice.RoleAuditor))
	mux.Handle("PUT /v1/policies", s.auth(s.handlePutPolicy, sluice.RoleOwner))
	mux.Handle("GET /v1/policies", s.auth(s.handleGetPolicy, sluice.RoleOwner, sluice.RoleAuditor))
	mux.Handle("POST /v1/decisions", s.auth(s.handleDecision, sluice.RoleOwner, sluice.RoleConsumer))
}
