package main

import (
	"context"
	"flag"
	"fmt"
	"html/template"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/automotive"
	"github.com/sluice-gateway/sluice/httpapi"
)

// autoFlags are the flags of an automotive declaration (Automotive
// Provisions Art. 3(1)-(4)).
type autoFlags struct {
	sensitiveArea, economic, charging *bool
	exterior                          *string
}

func addAutoFlags(fs *flag.FlagSet) *autoFlags {
	return &autoFlags{
		sensitiveArea: fs.Bool("sensitive-area", false, "holds geography, people or vehicle flow of military or other sensitive areas (Automotive Provisions Art. 3(1))"),
		economic:      fs.Bool("economic-operation", false, "holds vehicle flow, logistics or other data reflecting economic operation (Art. 3(2))"),
		charging:      fs.Bool("charging-network", false, "holds operating data of the charging network (Art. 3(3))"),
		exterior:      fs.String("exterior-images", "", "what its video and images from outside the car show: anonymised, faces, plates or faces_and_plates (Art. 3(4)); empty: none"),
	}
}

func (a *autoFlags) declaration() *sluice.AutoDeclaration {
	return &sluice.AutoDeclaration{SensitiveArea: *a.sensitiveArea, EconomicOperation: *a.economic, ChargingNetwork: *a.charging, ExteriorImages: *a.exterior}
}

// autoText describes a declaration in a line.
func autoText(a sluice.AutoDeclaration) string {
	var parts []string
	for _, k := range sluice.AutoDeclarations[:3] {
		if a.Declared(k) {
			parts = append(parts, k)
		}
	}
	if a.ExteriorImages != "" {
		parts = append(parts, "exterior_images="+a.ExteriorImages)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func runDatasetDeclare(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dataset declare", "dataset declare ID [--sensitive-area] [--economic-operation] [--charging-network] [--exterior-images TYPE]", `
# The dataset holds charging-network data and exterior images showing plates:
SLUICE_KEY=sk_owner... sluice dataset declare 3 --charging-network --exterior-images plates
# It holds none of them any more (every flag not given is cleared):
SLUICE_KEY=sk_owner... sluice dataset declare 3`)
	serverURL, key := addClientFlags(fs, env, "owner")
	auto := addAutoFlags(fs)
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	id, err := idArg(env, fs, "dataset", 1)
	if err != nil {
		return err
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	d, err := c.UpdateDataset(ctx, id, httpapi.UpdateDatasetRequest{Automotive: auto.declaration()})
	if err != nil {
		return err
	}
	return out.one(d, fmt.Sprintf("Dataset %d declares: %s; grade %s.", d.ID, autoText(d.Automotive), d.Grade),
		[]string{"id", "name", "automotive", "grade"}, [][]string{{fmt.Sprint(d.ID), d.Name, autoText(d.Automotive), string(d.Grade)}})
}

var automotiveHTML = template.Must(template.New("automotive").Funcs(template.FuncMap{"join": strings.Join}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Automotive data security report {{.Year}} — org {{.Processor.OrgID}}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}</style></head>
<body>
<h1>Annual report of automotive data security management, {{.Year}}</h1>
<p>Due {{.Due}} to the {{.To}} ({{.Ref}}, confidence: {{.Confidence}}). Generated {{.GeneratedAt.Format "2006-01-02 15:04 UTC"}}; classes {{.Classes}}.</p>
<h2>Processor</h2>
<table>
<tr><th>Org</th><td>{{.Processor.OrgID}} {{.Processor.Name}}, region {{.Processor.Region}}{{if .Processor.Sector}}, sector {{.Processor.Sector}}{{end}}{{if .Processor.CIIO}}, CIIO{{end}}</td></tr>
<tr><th>Data security head</th><td>{{.Processor.SecurityHead}}</td></tr>
<tr><th>Rights contact</th><td>{{.Processor.RightsContact}}</td></tr>
<tr><th>People (per processor)</th><td>{{.People.Subjects}} — {{.People.Counting}}{{if .People.Threshold}}; important data above {{.People.Threshold}} ({{.People.Ref}}): {{if .People.Reached}}reached{{else}}not reached{{end}}{{if not .People.Applies}} (not an automotive processor){{end}}{{end}}</td></tr>
</table>
<h2>Important data</h2>
<table><tr><th>Dataset</th><th>Classes</th><th>Kinds</th><th>Records</th><th>People</th><th>Purpose</th><th>Stored in</th><th>Retention</th></tr>
{{range .ImportantData}}<tr><td>{{.ID}} {{.Name}}</td><td>{{range .Classes}}{{.Ref}}: {{.Text}}<br>{{else}}grade {{.Grade}}{{end}}</td><td>{{join .Categories ", "}}</td><td>{{.Records}}</td><td>{{.Subjects}}</td><td>{{.Purpose}}</td><td>{{.StoredIn}}</td><td>{{if .RetentionDays}}{{.RetentionDays}} days{{else}}the purposes'{{end}}</td></tr>
{{else}}<tr><td colspan="8">none</td></tr>{{end}}
</table>
<h2>Protection measures applied by sluice</h2>
<ul>{{range .Measures}}<li>{{.}}</li>{{end}}</ul>
<h2>Sharing with other organisations</h2>
<table><tr><th>Grant</th><th>Dataset</th><th>Recipient org</th><th>Purpose</th><th>Basis</th><th>Status</th><th>Fields</th></tr>
{{range .Sharing}}<tr><td>{{.Grant}}</td><td>{{.Dataset}}{{if .Important}} (important){{end}}</td><td>{{.Consumer}}</td><td>{{.Purpose}}</td><td>{{.LegalBasis}}</td><td>{{.Status}}</td><td>{{join .Fields ", "}}</td></tr>
{{else}}<tr><td colspan="7">none</td></tr>{{end}}
</table>
<h2>Transfers abroad</h2>
<table><tr><th>Transfer</th><th>Date</th><th>Dataset</th><th>Recipient</th><th>Kinds</th><th>People</th><th>Purpose</th><th>Route</th><th>Exports</th><th>Overseas storage</th></tr>
{{range .Transfers}}<tr><td>{{.ID}}{{if .Important}} (important){{end}}</td><td>{{.Date}}</td><td>{{.Dataset}}</td><td>{{.Recipient}}, {{.Country}}</td><td>{{join .Fields ", "}}</td><td>{{.Subjects}}</td><td>{{.Purpose}}</td><td>{{.Route}} ({{.Status}})</td><td>{{range .Exports}}{{.Date}}: {{.Records}} records, {{.Subjects}} people<br>{{end}}</td><td>{{.Overseas}}</td></tr>
{{else}}<tr><td colspan="10">none</td></tr>{{end}}
</table>
<h2>Security incidents</h2>
<table><tr><th>Incident</th><th>Discovered</th><th>Severity</th><th>Status</th><th>Datasets</th><th>People</th></tr>
{{range .Incidents}}<tr><td>{{.ID}}</td><td>{{.DiscoveredAt}}</td><td>{{.Severity}}</td><td>{{.Status}}</td><td>{{range .Datasets}}{{.}} {{end}}</td><td>{{.Subjects}}</td></tr>
{{else}}<tr><td colspan="6">{{if .IncidentsRecorded}}none recorded{{else}}not kept by this server{{end}}</td></tr>{{end}}
</table>
<h2>To be completed by the processor</h2>
<ul>{{range .ToComplete}}<li>{{.Item}} ({{.Ref}})</li>{{end}}</ul>
</body></html>
`))

func runReportAutomotive(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "report automotive", "report automotive [--org ID] [--year YYYY] [--format table|json|html]", `
sluice report automotive --org 1 --year 2026 --format html > automotive-2026.html`)
	client := transferClient(fs, env)
	org := fs.Int64("org", 0, "the org whose report to make (default: your key's org)")
	year := fs.Int("year", 0, "the year reported (default: this year); the report is due 15 December")
	format := fs.String("format", "table", "table, json or html")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *org < 0 || (*format != "json" && *format != "html" && *format != "table") {
		fmt.Fprintln(env.Stderr, "report automotive: --org takes an org id; --format table, json or html")
		return errUsage
	}
	c, err := client()
	if err != nil {
		return err
	}
	rep, err := c.OrgAutomotiveReport(ctx, *org, *year)
	if err != nil {
		return err
	}
	switch *format {
	case "html":
		return automotiveHTML.Execute(env.Stdout, rep)
	case "json":
		return printJSON(env, rep)
	}
	printAutomotive(env, rep)
	return nil
}

// printAutomotive prints a report as text.
func printAutomotive(env *Env, rep *automotive.Report) {
	w := env.Stdout
	p := rep.Processor
	fmt.Fprintf(w, "Automotive data security report %d, org %d (%s): due %s to the %s (%s).\n", rep.Year, p.OrgID, p.Name, rep.Due, rep.To, rep.Ref)
	reached := "not reached"
	if rep.People.Reached {
		reached = "reached"
	}
	fmt.Fprintf(w, "People, per processor: %d (important data above %d, %s: %s).\n", rep.People.Subjects, rep.People.Threshold, rep.People.Ref, reached)
	fmt.Fprintf(w, "Important data: %d of %d datasets.\n", len(rep.ImportantData), len(rep.Datasets))
	for _, d := range rep.ImportantData {
		var refs []string
		for _, c := range d.Classes {
			refs = append(refs, c.Ref)
		}
		if len(refs) == 0 {
			refs = []string{"grade " + d.Grade}
		}
		fmt.Fprintf(w, "  dataset %d %s: %s; %d records, %d people, stored in %s\n", d.ID, d.Name, strings.Join(refs, ", "), d.Records, d.Subjects, d.StoredIn)
	}
	fmt.Fprintf(w, "Sharing: %d grants.\n", len(rep.Sharing))
	for _, g := range rep.Sharing {
		fmt.Fprintf(w, "  grant %d on dataset %d to org %d: %s (%s), %s\n", g.Grant, g.Dataset, g.Consumer, g.Purpose, g.LegalBasis, g.Status)
	}
	fmt.Fprintf(w, "Transfers abroad: %d.\n", len(rep.Transfers))
	for _, t := range rep.Transfers {
		imp := ""
		if t.Important {
			imp = ", important data"
		}
		fmt.Fprintf(w, "  transfer %d on %s: dataset %d to %s (%s), %d people, %s (%s)%s, %d exports\n",
			t.ID, t.Date, t.Dataset, t.Country, t.Recipient, t.Subjects, t.Route, t.Status, imp, len(t.Exports))
	}
	if rep.IncidentsRecorded {
		fmt.Fprintf(w, "Incidents: %d.\n", len(rep.Incidents))
	}
	fmt.Fprintf(w, "To be completed by the processor:\n")
	for _, x := range rep.ToComplete {
		fmt.Fprintf(w, "  - %s (%s)\n", x.Item, x.Ref)
	}
}

func init() {
	commands = append(commands,
		command{"dataset declare", "declare what a dataset holds of the automotive important-data classes (Art. 3)", runDatasetDeclare},
		command{"report automotive", "the annual automotive data security report (due 15 December), JSON, table or HTML", runReportAutomotive},
	)
}
