package minimisation

import (
	"html/template"
	"io"
	"time"
)

// page is the report as one self-contained HTML page: no script, no
// external style sheet, font or image.
var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"date": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Over-collection report</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#222}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.warn{background:#fff4d6;border:1px solid #e0b84d;padding:.5rem}
.ok{color:#2a6b2a}
</style>
</head>
<body>
<h1>Over-collection report</h1>
<p>Generated {{date .GeneratedAt}}. Fields holding personal information beyond the necessary
scope of each dataset's app type (PIPL Art. 6; Provisions on the Scope of Necessary Personal
Information for Common Types of Mobile Internet Applications).</p>
<p><strong>Rectify by {{.Deadline}}</strong> ({{.WorkingDays}} working days on the PRC calendar){{if .Provisional}} — provisional{{end}}.</p>
{{if .Warning}}<p class="warn" role="alert">{{.Warning}}</p>{{end}}
{{range .Datasets}}
<h2>Dataset {{.ID}}: {{.Name}}</h2>
<p>App type <code>{{.AppType}}</code>. {{if .Excess}}{{.Subjects}} people affected.{{else}}<span class="ok">No excess fields.</span>{{end}}</p>
{{if .Excess}}
<table>
<thead><tr><th>Field</th><th>Category</th><th>Legal reference</th><th>Confidence</th></tr></thead>
<tbody>
{{range .Excess}}<tr><td><code>{{.Field}}</code></td><td><code>{{.Category}}</code></td><td>{{.Ref}}</td><td>{{.Confidence}}</td></tr>
{{end}}</tbody>
</table>
{{end}}
{{else}}
<p>No dataset declares an app type.</p>
{{end}}
</body>
</html>
`))

// WriteHTML writes the report as a self-contained HTML page.
func (r *Report) WriteHTML(w io.Writer) error { return page.Execute(w, r) }
