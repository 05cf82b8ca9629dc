// Package security holds the tests of what sluice promises against a
// hostile or careless world (see SECURITY.md): each runs the sluice binary
// as a real server and acts on it from outside, as the public, a client of
// another org, or someone who can read the data directory would.
//
// The tests run on SQLite; those about PostgreSQL also run there when
// SLUICE_TEST_POSTGRES holds the URL of a database server they may create
// databases on (and fail without it when SLUICE_TEST_POSTGRES_REQUIRED is
// set).
package security
