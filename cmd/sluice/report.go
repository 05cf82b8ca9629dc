package main

import (
	"context"
	"fmt"
	"html/template"
	"strings"
)

var processingHTML = template.Must(template.New("processing").Funcs(template.FuncMap{"join": strings.Join}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Record of processing — org {{.OrgID}}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}</style></head>
<body>
<h1>Record of processing</h1>
<p>Org {{.OrgID}}, region {{.Region}}. {{.Ref}}. Generated {{.GeneratedAt.Format "2006-01-02 15:04 UTC"}}.</p>
{{range .Activities}}
<h2>Dataset {{.Dataset}}: {{.Name}}</h2>
<table>
<tr><th>Purposes</th><td>{{range .Purposes}}{{.Name}} ({{.LegalBasis}}{{if .SpecialCategoryCondition}}; Art. 9(2): {{.SpecialCategoryCondition}}{{end}}{{if .Profiling}}; profiling{{end}}; kept {{.RetentionDays}} days)<br>{{else}}{{.PurposeLabel}}{{end}}</td></tr>
<tr><th>Categories of personal data</th><td>{{join .Categories ", "}}</td></tr>
<tr><th>Sensitive fields</th><td>{{join .Sensitive ", "}}</td></tr>
<tr><th>Written consent needed (Credit Reporting Industry Regulations Art. 18)</th><td>{{join .WrittenConsent ", "}}</td></tr>
<tr><th>Children's data</th><td>{{if .Minors}}yes{{else}}no{{end}}</td></tr>
<tr><th>People</th><td>{{.Subjects}}</td></tr>
<tr><th>Stored in</th><td>{{.StoredIn}}</td></tr>
<tr><th>Recipients</th><td>{{range .Recipients}}grant {{.Grant}} to org {{.Consumer}}: {{.Purpose}} ({{.LegalBasis}}), {{.Status}}, fields {{join .Fields ", "}}<br>{{end}}</td></tr>
<tr><th>Transfers abroad</th><td>{{range .Transfers}}transfer {{.ID}} to {{.Country}} ({{.Recipient}}): {{.Route}}, {{.Status}}, {{.Date}}<br>{{end}}</td></tr>
<tr><th>Measures</th><td>{{join .Measures "; "}}</td></tr>
</table>
{{end}}
<h2>Impact assessments required</h2>
<table><tr><th>Kind</th><th>Dataset</th><th>Concerning</th><th>Rule</th><th>Keep</th></tr>
{{range .Assessments}}<tr><td>{{.Kind}}</td><td>{{.Dataset}}</td><td>{{.Detail}}</td><td>{{.Ref}}</td><td>{{.KeepFor}}</td></tr>{{end}}
</table>
</body></html>
`))

func runReportProcessing(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "report processing", "report processing [--org ID] [--format json|html]", `
sluice report processing --org 1 --format html > processing.html`)
	client := transferClient(fs, env)
	org := fs.Int64("org", 0, "the org whose record to make (default: your key's org)")
	format := fs.String("format", "json", "json or html")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *org < 0 || (*format != "json" && *format != "html") {
		fmt.Fprintln(env.Stderr, "report processing: --org takes an org id; --format json or html")
		return errUsage
	}
	c, err := client()
	if err != nil {
		return err
	}
	rec, err := c.OrgProcessing(ctx, *org)
	if err != nil {
		return err
	}
	if *format == "html" {
		return processingHTML.Execute(env.Stdout, rec)
	}
	return printJSON(env, rec)
}

func runReportDuties(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "report duties", "report duties [--org ID] [--json]", `
sluice report duties --org 1`)
	client := transferClient(fs, env)
	org := fs.Int64("org", 0, "the org's id (default: your key's org)")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *org < 0 {
		fmt.Fprintln(env.Stderr, "report duties: --org takes an org id")
		return errUsage
	}
	c, err := client()
	if err != nil {
		return err
	}
	d, err := c.OrgDuties(ctx, *org)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, d)
	}
	fmt.Fprintf(env.Stdout, "Org %d: %d people across its datasets (%s).\n", d.OrgID, d.Subjects, d.Counting)
	for _, x := range d.Duties {
		state := "does not apply"
		if x.Applies {
			state = "applies since " + x.ReachedOn
			if x.Due != "" {
				state += ", due " + x.Due
				if x.Provisional {
					state += " (provisional: the calendar lacks a year)"
				}
			}
		}
		fmt.Fprintf(env.Stdout, "  %s (%s): %s\n", x.ID, x.Ref, state)
	}
	return nil
}
