package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"text/tabwriter"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/minimisation"
	"github.com/sluice-gateway/sluice/policy/scope"
	"github.com/sluice-gateway/sluice/retention"
)

// openRights gives ingests their minimisation check and the API its
// settings and over-collection report, and starts the retention job.
func (m *Main) openRights(ctx context.Context, catalog *classify.Catalog) error {
	prov, err := scope.Load(catalog)
	if err != nil {
		return err
	}
	minimiser := scope.Minimiser{Provisions: prov}
	s := m.Stores
	m.Records.Minimiser, m.Records.Settings, m.Records.Purposes = minimiser, s.Settings, s.Purposes
	rules, err := retention.Load()
	if err != nil {
		return err
	}
	m.API.Settings, m.API.AppTypes, m.API.RecordTypes = s.Settings, minimiser, rules
	m.API.Minimisation = &minimisation.Service{Datasets: s.Datasets, Purposes: s.Purposes, Stores: s.Regions, Minimiser: minimiser}
	job, err := newRetention(s, rules, m.Logger)
	if err != nil {
		return err
	}
	if m.Config.RetentionInterval < 0 {
		return nil
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		job.Loop(runCtx, m.Config.RetentionInterval)
	}()
	m.stopRetention = func() { cancel(); <-done }
	return nil
}

// closeRights stops the retention job.
func (m *Main) closeRights() {
	if m.stopRetention != nil {
		m.stopRetention()
		m.stopRetention = nil
	}
}

// newRetention returns the retention job over s.
func newRetention(s *Stores, rules *retention.Rules, logger *slog.Logger) (*retention.Service, error) {
	ingests, ok := s.Ingests.(retention.IngestExpirer)
	if !ok {
		return nil, fmt.Errorf("the control store cannot expire ingests")
	}
	events, _ := s.Events.(retention.EventAppender)
	return &retention.Service{
		Datasets: s.Datasets, Purposes: s.Purposes, Consents: s.Consents, Settings: s.Settings,
		Ingests: ingests, Stores: s.Regions, Events: events, Rules: rules, Logger: logger,
	}, nil
}

func runRetentionRun(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "retention run", "retention run [--dry-run] [--json]", `
sluice retention run --dry-run
sluice retention run --data-dir /var/lib/sluice`)
	dry := fs.Bool("dry-run", false, "count what would be deleted, delete nothing")
	asJSON := fs.Bool("json", false, "print JSON")
	var c StoreConfig
	addStoreFlags(fs, env, &c, true)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	s, err := openStores(ctx, &c, false)
	if err != nil {
		return err
	}
	defer s.Close()
	rules, err := retention.Load()
	if err != nil {
		return err
	}
	job, err := newRetention(s, rules, slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	run, err := job.Run(ctx, *dry)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, run)
	}
	verb := "Deleted"
	if *dry {
		verb = "Would delete"
	}
	fmt.Fprintf(env.Stdout, "%s %d records past their retention (%d uploads) and %d records held on withdrawn consent, in %d datasets.\n",
		verb, run.Records, run.Ingests, run.Withdrawn, run.Datasets)
	fmt.Fprintf(env.Stdout, "Next 7 days: %d records (%d uploads) come due.\n", run.NextWeek.Records, run.NextWeek.Ingests)
	if len(run.Details) > 0 {
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DATASET\tEXPIRED\tWITHDRAWN\tNEXT 7 DAYS")
		for _, d := range run.Details {
			fmt.Fprintf(tw, "%d\t%d\t%d\t%d\n", d.DatasetID, d.Records, d.Withdrawn, d.NextWeek.Records)
		}
		return tw.Flush()
	}
	return nil
}

func runReportMinimisation(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "report minimisation", "report minimisation [--html FILE] [--json]", `
export SLUICE_URL=http://127.0.0.1:8080 SLUICE_KEY=sk_...
sluice report minimisation
sluice report minimisation --html report.html`)
	serverURL := fs.String("url", envOr(env, "SLUICE_URL", "http://"+DefaultAddr), "server URL (env SLUICE_URL)")
	key := fs.String("key", env.Getenv("SLUICE_KEY"), "owner or auditor API key (env SLUICE_KEY)")
	html := fs.String("html", "", "write the report as a self-contained HTML page to `FILE` (- for standard output)")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *key == "" {
		return sluice.Errorf(sluice.EUNAUTHORIZED, "No API key: set --key or SLUICE_KEY.")
	}
	c := httpapi.NewClient(*serverURL, *key)
	if *html != "" {
		page, err := c.MinimisationReportHTML(ctx)
		if err != nil {
			return err
		}
		if *html == "-" {
			_, err = env.Stdout.Write(page)
			return err
		}
		return os.WriteFile(*html, page, 0o644)
	}
	rep, err := c.MinimisationReport(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, rep)
	}
	fmt.Fprintf(env.Stdout, "Over-collection report, %s. Rectify by %s (%d working days on the PRC calendar).\n",
		rep.GeneratedAt.UTC().Format("2006-01-02 15:04 UTC"), rep.Deadline, rep.WorkingDays)
	if rep.Warning != "" {
		fmt.Fprintf(env.Stdout, "Warning: %s\n", rep.Warning)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATASET\tAPP TYPE\tFIELD\tCATEGORY\tREFERENCE\tPEOPLE")
	for _, d := range rep.Datasets {
		if len(d.Excess) == 0 {
			fmt.Fprintf(tw, "%d %s\t%s\t-\t-\t-\t0\n", d.ID, d.Name, d.AppType)
		}
		for _, e := range d.Excess {
			fmt.Fprintf(tw, "%d %s\t%s\t%s\t%s\t%s\t%d\n", d.ID, d.Name, d.AppType, e.Field, e.Category, e.Ref, d.Subjects)
		}
	}
	return tw.Flush()
}

func runSettings(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "settings", "settings [--minimisation MODE] [--consent-grace-days N]", `
sluice settings
sluice settings --minimisation strip`)
	serverURL := fs.String("url", envOr(env, "SLUICE_URL", "http://"+DefaultAddr), "server URL (env SLUICE_URL)")
	key := fs.String("key", env.Getenv("SLUICE_KEY"), "owner API key (env SLUICE_KEY)")
	mode := fs.String("minimisation", "", "what an ingest does with personal information beyond the necessary scope: warn, strip or reject")
	grace := fs.Int("consent-grace-days", -1, "days data held only on a withdrawn consent is kept before deletion")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *key == "" {
		return sluice.Errorf(sluice.EUNAUTHORIZED, "No API key: set --key or SLUICE_KEY.")
	}
	c := httpapi.NewClient(*serverURL, *key)
	st, err := c.Settings(ctx)
	if err != nil {
		return err
	}
	if *mode != "" || *grace >= 0 {
		req := httpapi.SettingsRequest{Minimisation: st.Minimisation, ConsentGraceDays: st.ConsentGraceDays}
		if *mode != "" {
			req.Minimisation = sluice.MinimisationMode(*mode)
		}
		if *grace >= 0 {
			req.ConsentGraceDays = *grace
		}
		if st, err = c.PutSettings(ctx, req); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.Stdout, "minimisation: %s\nconsent_grace_days: %d\n", st.Minimisation, st.ConsentGraceDays)
	return nil
}
