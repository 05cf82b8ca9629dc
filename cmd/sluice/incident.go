package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/incident"
)

// printIncident prints an incident and its clocks.
func printIncident(env *Env, x *sluice.Incident) {
	fmt.Fprintf(env.Stdout, "Incident %d: %s, %s, %d people.\n", x.ID, x.Status, x.Severity, x.Subjects)
	for _, c := range x.Clocks {
		due := "no time count"
		if c.DueAt != nil {
			due = "due " + c.DueAt.Format(time.RFC3339)
		}
		state := ""
		switch {
		case c.ReportedAt != nil:
			state = ", reported " + c.ReportedAt.Format(time.RFC3339)
		case c.Overdue:
			state = ", OVERDUE"
		}
		fmt.Fprintf(env.Stdout, "  %s: tell %s, %s%s (%s)\n", c.ID, c.To, due, state, c.Ref)
	}
}

func runIncidentOpen(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "incident open", "incident open --severity S [--discovered T] [flags]", `
sluice incident open --severity relatively_major --personal-data --subjects 1200 --datasets 1,2 --description "orders table exposed"`)
	client := transferClient(fs, env)
	severity := fs.String("severity", "", "general, relatively_major, major or especially_major (required)")
	discovered := fs.String("discovered", "", "when it was discovered, RFC 3339 (default now)")
	subjects := fs.Int64("subjects", 0, "people affected, as far as known")
	datasets := fs.String("datasets", "", "IDs of the datasets affected, comma-separated")
	pd := fs.Bool("personal-data", false, "personal information was leaked, tampered with or lost")
	high := fs.Bool("high-risk", false, "a high risk to people's rights (GDPR Art. 34)")
	ns := fs.Bool("national-security", false, "a flaw or risk endangering national security or the public interest (NDSR Art. 10)")
	desc := fs.String("description", "", "what happened (kept; the audit log holds its hash)")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	x := &sluice.Incident{Severity: *severity, Subjects: *subjects, PersonalData: *pd, HighRisk: *high, NationalSecurity: *ns, Description: *desc,
		DiscoveredAt: time.Now().UTC()}
	if *discovered != "" {
		t, err := time.Parse(time.RFC3339, *discovered)
		if err != nil {
			return sluice.Errorf(sluice.EINVALID, "--discovered %q is not an RFC 3339 time.", *discovered)
		}
		x.DiscoveredAt = t
	}
	ids, err := idList(*datasets)
	if err != nil {
		return err
	}
	x.Datasets = ids
	c, err := client()
	if err != nil {
		return err
	}
	out, err := c.OpenIncident(ctx, x)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, out)
	}
	printIncident(env, out)
	return nil
}

func runIncidentUpdate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "incident update", "incident update [flags] ID", `
sluice incident update --reported cn.report.other 4
sluice incident update --severity major --subjects 5000 4
sluice incident update --notice-kinds user.contact.phone_number --cause "open bucket" --harm phishing --remedies "closed" --subject-actions "beware of calls" --contact dpo@example.cn 4`)
	client := transferClient(fs, env)
	severity := fs.String("severity", "", "new severity")
	subjects := fs.Int64("subjects", -1, "people affected")
	reported := fs.String("reported", "", "clock IDs reported now, comma-separated")
	kinds := fs.String("notice-kinds", "", "PIPL Art. 57 notice: kinds of personal information, comma-separated category keys")
	cause := fs.String("cause", "", "notice: the cause")
	harm := fs.String("harm", "", "notice: the harm it may cause")
	remedies := fs.String("remedies", "", "notice: the remedial measures taken")
	actions := fs.String("subject-actions", "", "notice: what people can do to reduce the harm")
	contact := fs.String("contact", "", "notice: the processor's contact")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	id, err := idArg(env, fs, "incident", 1)
	if err != nil {
		return err
	}
	var u incident.Update
	if *severity != "" {
		u.Severity = severity
	}
	if *subjects >= 0 {
		u.Subjects = subjects
	}
	u.Reported = splitList(*reported)
	if *kinds != "" || *cause != "" || *harm != "" || *remedies != "" || *actions != "" || *contact != "" {
		u.Notice = &sluice.IncidentNotice{Kinds: splitList(*kinds), Cause: *cause, Harm: *harm, Remedies: *remedies, SubjectActions: *actions, Contact: *contact}
	}
	c, err := client()
	if err != nil {
		return err
	}
	out, err := c.UpdateIncident(ctx, id, u)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, out)
	}
	printIncident(env, out)
	return nil
}

func runIncidentClose(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "incident close", "incident close ID", `
sluice incident close 4`)
	client := transferClient(fs, env)
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	id, err := idArg(env, fs, "incident", 1)
	if err != nil {
		return err
	}
	c, err := client()
	if err != nil {
		return err
	}
	out, err := c.CloseIncident(ctx, id)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, out)
	}
	printIncident(env, out)
	return nil
}

// idList parses comma-separated positive IDs.
func idList(s string) ([]int64, error) {
	var out []int64
	for _, f := range splitList(s) {
		var id int64
		if _, err := fmt.Sscan(f, &id); err != nil || id <= 0 || strings.ContainsAny(f, ".e") {
			return nil, sluice.Errorf(sluice.EINVALID, "%q is not a dataset ID.", f)
		}
		out = append(out, id)
	}
	return out, nil
}
