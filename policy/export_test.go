package policy

import (
	cedar "github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
)

// CedarRequestForTest returns the entities and request the Cedar layer
// builds for field f under grant g, as a plain entity map.
func CedarRequestForTest(req *Request, g *Grant, f *Field) (types.EntityMap, cedar.Request) {
	e := buildEntry(req, g, f, factsOf(req, g, f))
	return types.EntityMap{e.principal.UID: e.principal, e.dataset.UID: e.dataset, e.field.UID: e.field}, e.req
}

// CedarEntryForTest returns the entity getter the Cedar layer uses for
// field f under grant g, and its request.
func CedarEntryForTest(req *Request, g *Grant, f *Field) (types.EntityGetter, cedar.Request) {
	e := buildEntry(req, g, f, factsOf(req, g, f))
	return e, e.req
}
