package main

import (
	"os"

	"github.com/sluice-gateway/sluice/classify"
)

// loadCatalog returns the built-in catalog, with the user's file merged on
// top if path is set.
func loadCatalog(path string) (*classify.Catalog, error) {
	if path == "" {
		return classify.DefaultCatalog(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return classify.LoadCatalog(path, data)
}
