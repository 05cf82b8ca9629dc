// Package sluice holds the domain of the sluice data-sovereignty gateway:
// organisations and their keys, regions, datasets and their fields,
// records and their subject keys, and audit events; and the service
// interfaces that the store adapters implement.
//
// # Layout
//
// The root package does no I/O. Adapters live in one package per outside
// dependency ([sluice/sqlite], [sluice/postgres], [sluice/httpapi]);
// [sluice/residency] routes each region's records to that region's store;
// the services [sluice/sharing] and [sluice/transfer] run the workflows
// around the decisions; pure computation lives in its own packages
// (classification, policy). The binary is cmd/sluice. ARCHITECTURE.md
// says what each package may import.
package sluice

import "time"

// Now is the clock used where a service has no store of its own to ask.
// Tests replace it.
var Now = func() time.Time { return time.Now().UTC() }
