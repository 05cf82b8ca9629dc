package main

import (
	"context"
	"fmt"

	"github.com/sluice-gateway/sluice/httpapi"
)

// runDatasetImportant records, clears or shows an authority's notice that
// a dataset is important data (O16 Art. 2; NDSR Art. 37).
func runDatasetImportant(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dataset important", "dataset important ID [--notice REF --authority NAME --date YYYY-MM-DD | --clear]", `
# An authority notified the grid dataset as important data:
SLUICE_KEY=sk_owner... sluice dataset important 1 --notice "GD-CAC-2026-17" \
  --authority "Guangdong CAC" --date 2026-03-01
# Show the notice (owners and auditors):
SLUICE_KEY=sk_owner... sluice dataset important 1 --format json
# The notice was withdrawn:
SLUICE_KEY=sk_owner... sluice dataset important 1 --clear`)
	serverURL, key := addClientFlags(fs, env, "owner to set or clear; owner or auditor to show")
	var req httpapi.ImportantRequest
	fs.StringVar(&req.Notice, "notice", "", "the notice's `reference` (document number, or where the catalogue was published)")
	fs.StringVar(&req.Authority, "authority", "", "the department or region that notified or published (`NAME`)")
	fs.StringVar(&req.Date, "date", "", "the notice's date, `YYYY-MM-DD`")
	clearFlag := fs.Bool("clear", false, "clear the notice: it was withdrawn or recorded in error")
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	id, err := idArg(env, fs, "dataset", 1)
	if err != nil {
		return err
	}
	setting := req.Notice != "" || req.Authority != "" || req.Date != ""
	if setting && *clearFlag {
		fmt.Fprintln(env.Stderr, "sluice dataset important: --clear takes no --notice, --authority or --date")
		return errUsage
	}
	if setting && (req.Notice == "" || req.Authority == "" || req.Date == "") {
		fmt.Fprintln(env.Stderr, "sluice dataset important: --notice, --authority and --date go together")
		return errUsage
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	header := []string{"dataset", "notice", "authority", "date"}
	switch {
	case *clearFlag:
		if err := c.ClearImportantNotice(ctx, id); err != nil {
			return err
		}
		msg := fmt.Sprintf("Dataset %d: important-data notice cleared.", id)
		return out.one(map[string]any{"dataset_id": id, "cleared": true}, msg, []string{"dataset", "cleared"}, [][]string{{fmt.Sprint(id), "true"}})
	case setting:
		n, err := c.SetImportantNotice(ctx, id, req)
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("Dataset %d is notified important data (notice %s, %s, %s): its transfers need a security assessment (O16 Arts. 2, 7; NDSR Art. 37).", id, n.Notice, n.Authority, n.Date)
		return out.one(n, msg, header, [][]string{{fmt.Sprint(id), n.Notice, n.Authority, n.Date}})
	}
	n, err := c.ImportantNotice(ctx, id)
	if err != nil {
		return err
	}
	f, err := out.resolve()
	if err != nil {
		return err
	}
	return out.write(f, n, []any{n}, header, [][]string{{fmt.Sprint(id), n.Notice, n.Authority, n.Date}})
}

func init() {
	commands = append(commands,
		command{"dataset important", "record, clear or show an authority's notice that a dataset is important data", runDatasetImportant})
}
