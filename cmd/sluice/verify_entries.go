package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/sluice-gateway/sluice/auditlog"
)

// maxEntryProofBytes bounds one answer of GET /v1/log/entries/{index}.
const maxEntryProofBytes = 1 << 20

// entryCheck is what verifyFullEntries found: how many full entries the
// key may see and checked, of the tree's size.
type entryCheck struct {
	Checked, Size int64
}

// verifyFullEntries fetches from the API at api every full entry of the
// verified tree that apiKey may see (GET /v1/log/entries/{index}; a 404
// is an entry it may not see) and checks that each, with its salt, is
// the public entry the tree holds at that index.
func verifyFullEntries(ctx context.Context, hc *http.Client, api, apiKey string, tree *auditlog.Tree) (entryCheck, error) {
	res := entryCheck{Size: tree.Checkpoint.Size}
	for idx := range tree.Checkpoint.Size {
		p, err := fetchEntryProof(ctx, hc, api, apiKey, idx)
		if err != nil {
			return res, err
		} else if p == nil {
			continue
		}
		leaf := []byte(p.Entry)
		if len(p.Salt) > 0 {
			leaf = auditlog.Commitment(p.Entry, p.Salt)
		}
		want, err := tree.ReadHashes([]int64{tlog.StoredHashIndex(0, idx)})
		if err != nil {
			return res, err
		}
		if tlog.RecordHash(leaf) != want[0] {
			return res, fmt.Errorf("entry %d: the full entry and its salt do not give the public entry the tree holds", idx)
		}
		res.Checked++
	}
	return res, nil
}

// fetchEntryProof returns entry idx in full, or nil if the key may not
// see it.
func fetchEntryProof(ctx context.Context, hc *http.Client, api, apiKey string, idx int64) (*auditlog.EntryProof, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", api+"/v1/log/entries/"+strconv.FormatInt(idx, 10), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("entry %d: %w", idx, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxEntryProofBytes+1))
	if err != nil {
		return nil, fmt.Errorf("entry %d: %w", idx, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("the API refuses the key: %s", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("entry %d: %s", idx, resp.Status)
	case len(b) > maxEntryProofBytes:
		return nil, fmt.Errorf("entry %d: the answer is over %d bytes", idx, maxEntryProofBytes)
	}
	var p auditlog.EntryProof
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("entry %d: not an entry proof: %w", idx, err)
	}
	if p.Index != idx {
		return nil, fmt.Errorf("entry %d: the API answered with entry %d", idx, p.Index)
	}
	return &p, nil
}

// apiBase returns the API's URL for a log served under /log.
func apiBase(logURL string) string {
	return strings.TrimSuffix(strings.TrimSuffix(logURL, "/"), "/log")
}
