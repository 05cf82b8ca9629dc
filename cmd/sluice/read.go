package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

func runRead(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "read", "read --dataset ID [--grant ID] [--fields A,B] [--limit N] [--cursor C] [--format jsonl|csv]", `
# A consumer reads through an approved grant, de-identified as it says:
SLUICE_KEY=sk_consumer... sluice read --dataset 1 --grant 1 --limit 5
# An owner reads its own dataset:
SLUICE_KEY=sk_owner... sluice read --dataset 1 --limit 5`)
	serverURL, key := addClientFlags(fs, env, "consumer (with --grant) or owner")
	dataset := fs.Int64("dataset", 0, "dataset id (required)")
	grant := fs.Int64("grant", 0, "the grant to read through (consumer keys)")
	fields := fs.String("fields", "", "comma-separated fields (default: all the grant or the dataset has)")
	limit := fs.Int("limit", 0, "records in the page (default the server's)")
	cursor := fs.String("cursor", "", "where the page starts: the cursor the previous page ended with")
	format := fs.String("format", "jsonl", "jsonl or csv (csv: consumer reads only)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *dataset == 0 || fs.NArg() > 0 || (*format != "jsonl" && *format != "csv") {
		fmt.Fprintln(env.Stderr, "sluice read: give --dataset, and --format jsonl or csv")
		return errUsage
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	q := url.Values{}
	if *fields != "" {
		q.Set("fields", *fields)
	}
	if *limit > 0 {
		q.Set("limit", strconv.Itoa(*limit))
	}
	if *format == "csv" {
		q.Set("format", "csv")
	}
	if *cursor != "" {
		q.Set("cursor", *cursor)
	}
	if *grant == 0 {
		if *format != "jsonl" {
			fmt.Fprintln(env.Stderr, "sluice read: an owner's read prints JSON lines only")
			return errUsage
		}
		page, err := c.ReadOwn(ctx, *dataset, q)
		if err != nil {
			return err
		}
		for _, r := range page.Records {
			var data map[string]any
			json.Unmarshal(r.Data, &data)
			if err := json.NewEncoder(env.Stdout).Encode(data); err != nil {
				return err
			}
		}
		if page.NextCursor != "" {
			fmt.Fprintf(env.Stderr, "Next page: --cursor %s\n", page.NextCursor)
		}
		if len(page.Records) == 0 {
			return exitError{exitNotFound}
		}
		return nil
	}
	page, err := c.Read(ctx, *dataset, *grant, q)
	if err != nil {
		return err
	}
	if _, err := env.Stdout.Write(page.Body); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "Served %d records (%d withheld for want of consent); fields %s; audit entry %d.\n", page.Served, page.Withheld, page.Fields, page.AuditEntry)
	if page.Denied != "" {
		fmt.Fprintf(env.Stderr, "Refused fields: %s\n", page.Denied)
	}
	if page.NextCursor != "" {
		fmt.Fprintf(env.Stderr, "Next page: --cursor %s\n", page.NextCursor)
	}
	if page.Served == 0 {
		return exitError{exitNotFound}
	}
	return nil
}

func init() {
	commands = append(commands, command{"read", "read records: through a grant as a consumer, or your own as an owner", runRead})
}
