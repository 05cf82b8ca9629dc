package main

import (
	"context"
	"fmt"
	"html/template"
	"strings"

	"github.com/sluice-gateway/sluice/processing"
)

var pipiaHTML = template.Must(template.New("pipia").Funcs(template.FuncMap{"join": strings.Join}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Impact assessments — org {{.OrgID}}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}.todo{color:#a40}</style></head>
<body>
<h1>Personal information protection impact assessments</h1>
<p>Org {{.OrgID}}, region {{.Region}}. {{.Ref}}; rules {{.RulesVersion}}. Generated {{.GeneratedAt.Format "2006-01-02 15:04 UTC"}}.
Drafted from sluice's own data; what sluice cannot know is marked <span class="todo">to be completed by the processor</span>.</p>
<p>Each assessment covers:</p><ul>{{range .Contents}}<li>{{.Text}} ({{.Ref}})</li>{{end}}</ul>
{{range .Assessments}}
<h2>{{.ID}}: {{.Trigger}}</h2>
<table>
<tr><th>Required by</th><td>{{.Ref}}</td></tr>
<tr><th>Dataset</th><td>{{.Dataset}}: {{.DatasetName}}</td></tr>
<tr><th>Purpose</th><td>{{range .Purposes}}{{.Name}} ({{.LegalBasis}}{{if .Profiling}}; profiling{{end}}{{if .RetentionDays}}; kept {{.RetentionDays}} days{{end}}){{if .Categories}}: {{join .Categories ", "}}{{end}}<br>{{end}}</td></tr>
<tr><th>Method</th><td>{{range .Method}}{{.}}<br>{{end}}</td></tr>
<tr><th>Necessity</th><td>Purpose categories: {{with .Necessity.PurposeCategories}}{{join . ", "}}{{else}}none declared{{end}}<br>Categories used: {{join .Necessity.UsedCategories ", "}}<br>
{{if .Necessity.BeyondPurpose}}<strong>Fields beyond the purpose: {{join .Necessity.BeyondPurpose ", "}}</strong><br>{{end}}{{with .Necessity.Note}}<span class="todo">{{.}}</span>{{end}}</td></tr>
<tr><th>Risks to the individuals</th><td>{{range .Risks}}{{.Text}} ({{.Ref}}){{if .Fields}}: {{join .Fields ", "}}{{end}}<br>{{else}}none that sluice's data show{{end}}</td></tr>
<tr><th>Protective measures</th><td>{{range .Measures}}{{.}}<br>{{end}}</td></tr>
<tr><th>Processing date</th><td>{{.ProcessingDate}}</td></tr>
<tr><th>Keep until at least</th><td>{{.KeepUntil}} ({{.KeepRef}})</td></tr>
<tr><th class="todo">To be completed by the processor</th><td class="todo">{{range .ToComplete}}{{.}}<br>{{end}}</td></tr>
</table>
{{else}}<p>No processing of this org calls for an impact assessment.</p>
{{end}}
</body></html>
`))

func runReportPIPIA(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "report pipia", "report pipia [--org ID] [--format json|table|html]", `
sluice report pipia                       # your key's org
sluice report pipia --org 1 --format html > pipia.html`)
	client := transferClient(fs, env)
	org := fs.Int64("org", 0, "the org whose assessments to draft (default: your key's org)")
	format := fs.String("format", "", "table, json or html (default table on a terminal, json otherwise)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	f := *format
	if f == "" {
		f = "json"
		if isTerminal(env.Stdout) {
			f = "table"
		}
	}
	if *org < 0 || (f != "json" && f != "table" && f != "html") {
		fmt.Fprintln(env.Stderr, "report pipia: --org takes an org id; --format table, json or html")
		return errUsage
	}
	c, err := client()
	if err != nil {
		return err
	}
	rep, err := c.OrgPIPIA(ctx, *org)
	if err != nil {
		return err
	}
	switch f {
	case "html":
		return pipiaHTML.Execute(env.Stdout, rep)
	case "json":
		return printJSON(env, rep)
	}
	return printPIPIATable(env, rep)
}

func printPIPIATable(env *Env, rep *processing.PIPIAReport) error {
	o := &output{env: env, format: "table"}
	rows := make([][]string, 0, len(rep.Assessments))
	for _, a := range rep.Assessments {
		risks := make([]string, 0, len(a.Risks))
		for _, r := range a.Risks {
			risks = append(risks, r.ID)
		}
		rows = append(rows, []string{a.ID, a.Ref, fmt.Sprint(a.Dataset), dash(a.ProcessingDate), dash(a.KeepUntil),
			dash(strings.Join(risks, ",")), dash(strings.Join(a.Necessity.BeyondPurpose, ",")), fmt.Sprint(len(a.ToComplete))})
	}
	fmt.Fprintf(env.Stdout, "Org %d: %d impact assessments (%s); rules %s.\n", rep.OrgID, len(rep.Assessments), rep.Ref, rep.RulesVersion)
	return o.write("table", rep, rep.Assessments, []string{"id", "required by", "dataset", "date", "keep until", "risks", "beyond purpose", "to complete"}, rows)
}
