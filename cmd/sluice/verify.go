package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/sluice-gateway/sluice/auditlog"
)

// verifyTimeout bounds each HTTP request of sluice verify.
const verifyTimeout = time.Minute

func runVerify(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "verify", "verify --url URL --log-key VKEY [--state FILE] [--entries] | --log-key VKEY --proof FILE", `
# Check a log's checkpoint and every tile, remembering the checkpoint so that
# the next run detects a rollback or a fork:
sluice verify --url http://127.0.0.1:8080/log --log-key "$(sluice log key)" --state log.state

# Also check every public entry against the tree:
sluice verify --url http://127.0.0.1:8080/log --log-key sluice.example/log+1a2b3c4d+AbC… --entries

# And every full entry an API key may read against its public commitment
# (the key from --api-key or SLUICE_API_KEY):
SLUICE_API_KEY=sk_… sluice verify --url http://127.0.0.1:8080/log --key "$(sluice log key)" --entries

# Check a file from GET /v1/subjects/{subject_key}/events, offline:
sluice verify --log-key key.txt --proof events.json`)
	url := fs.String("url", "", "the log's URL prefix, e.g. http://127.0.0.1:8080/log (any C2SP tlog-tiles log)")
	keyArg := fs.String("log-key", "", "the log's verifier key (name+hash+base64), or a file holding it (required)")
	fs.StringVar(keyArg, "key", "", "the same as --log-key (an older spelling)")
	state := fs.String("state", "", "file with the last checkpoint verified: checked for consistency, then replaced")
	entries := fs.Bool("entries", false, "check every public entry against the tree too, and, with an API key, every full entry the key may read against its commitment")
	apiKeyArg := fs.String("api-key", "", "API key to read full entries with (default $SLUICE_API_KEY)")
	apiURL := fs.String("api", "", "the API's URL (default: --url without its /log suffix)")
	proof := fs.String("proof", "", "check a subject's event proofs (the JSON of GET /v1/subjects/{key}/events) offline")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *keyArg == "" || (*url == "") == (*proof == "") {
		fmt.Fprintln(env.Stderr, "sluice verify: give --log-key, and either --url or --proof")
		return errUsage
	}
	v, err := readVerifier(*keyArg)
	if err != nil {
		return err
	}
	fail := func(format string, args ...any) error {
		fmt.Fprintf(env.Stdout, "FAIL "+format+"\n", args...)
		return exitError{1}
	}
	if *proof != "" {
		b, err := os.ReadFile(*proof)
		if err != nil {
			return err
		}
		var p auditlog.SubjectEvents
		if err := json.Unmarshal(b, &p); err != nil {
			return fail("%s is not a subject's event proofs: %v", *proof, err)
		}
		if err := auditlog.VerifySubjectEvents(&p, v); err != nil {
			return fail("subject %s: %v", p.SubjectKey, err)
		}
		fmt.Fprintf(env.Stdout, "OK subject=%s events=%d\n", p.SubjectKey, len(p.Events))
		return nil
	}

	c := auditlog.NewClient(*url, v)
	c.HTTP = &http.Client{Timeout: verifyTimeout}
	cp, err := c.FetchCheckpoint(ctx)
	if err != nil {
		return fail("checkpoint: %v", err)
	}
	var old *auditlog.Checkpoint
	if *state != "" {
		b, err := os.ReadFile(*state)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err == nil {
			if old, err = auditlog.OpenCheckpoint(b, v); err != nil {
				return fail("state file %s: %v", *state, err)
			}
		}
	}
	tree, err := c.FetchTree(ctx, cp)
	if err != nil {
		return fail("tree of size %d: %v", cp.Size, err)
	}
	if old != nil {
		var ce *auditlog.ConsistencyError
		if err := tree.CheckConsistency(old); errors.As(err, &ce) {
			fail("%v", err)
			printEvidence(env.Stdout, ce)
			return exitError{1}
		} else if err != nil {
			return fail("consistency with %s: %v", *state, err)
		}
	}
	var full *entryCheck
	if *entries {
		if err := c.VerifyEntries(ctx, tree); err != nil {
			return fail("%v", err)
		}
		apiKey := *apiKeyArg
		if apiKey == "" {
			apiKey = env.Getenv("SLUICE_API_KEY")
		}
		if apiKey != "" {
			api := *apiURL
			if api == "" {
				api = apiBase(*url)
			}
			res, err := verifyFullEntries(ctx, c.HTTP, strings.TrimSuffix(api, "/"), apiKey, tree)
			if err != nil {
				return fail("%v", err)
			}
			full = &res
		}
	}
	if *state != "" {
		if err := replaceFile(*state, cp.Note); err != nil {
			return fmt.Errorf("save state: %w", err)
		}
	}
	if full != nil {
		fmt.Fprintf(env.Stdout, "OK size=%d root=%s full_entries=%d\n", cp.Size, cp.Root, full.Checked)
		return nil
	}
	fmt.Fprintf(env.Stdout, "OK size=%d root=%s\n", cp.Size, cp.Root)
	return nil
}

// printEvidence prints both signed checkpoints of a rollback or fork.
func printEvidence(w io.Writer, ce *auditlog.ConsistencyError) {
	fmt.Fprintf(w, "\nEvidence: two checkpoints signed by the log that cannot both be true.\n")
	fmt.Fprintf(w, "\nSeen before (size %d):\n%s", ce.Old.Size, indent(strings.TrimSuffix(string(ce.Old.Note), "\n"), "  ")+"\n")
	fmt.Fprintf(w, "\nServed now (size %d):\n%s", ce.New.Size, indent(strings.TrimSuffix(string(ce.New.Note), "\n"), "  ")+"\n")
}

// readVerifier parses a verifier key given on the command line or, if
// arg names a file, held in that file.
func readVerifier(arg string) (note.Verifier, error) {
	if v, err := note.NewVerifier(strings.TrimSpace(arg)); err == nil {
		return v, nil
	}
	b, err := os.ReadFile(arg)
	if err != nil {
		return nil, fmt.Errorf("--log-key %q is neither a verifier key (name+hash+base64) nor a readable file", arg)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: not a verifier key: %w", arg, err)
	}
	return v, nil
}

// replaceFile writes data to path atomically, replacing any file there.
func replaceFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
