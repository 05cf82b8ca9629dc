package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
	"golang.org/x/text/width"

	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/recordio"
	"github.com/sluice-gateway/sluice/scan"
)

// exitFailOn is the exit status of `sluice scan --fail-on` when the
// threshold is met: distinct from 1 (errors) and 2 (usage), so that a
// pipeline can tell "found" from "broken".
const exitFailOn = 3

// progressDelay is how long a scan runs before a progress bar appears.
const progressDelay = time.Second

// scanJSON is the `sluice scan --format json` contract (see DESIGN.md).
type scanJSON struct {
	AsOf   string           `json:"as_of"` // the reference date, YYYY-MM-DD
	Files  []scanFileJSON   `json:"files"`
	Failed []scanFailedJSON `json:"failed"`
}

type scanFileJSON struct {
	Path    string `json:"path"`
	Format  string `json:"format"`
	Records int64  `json:"records"`
	Grade   string `json:"grade"`
	// Sectors: the file's classes and levels in the sector catalogues of
	// --sector, highest level first; omitted without a sector.
	Sectors []classify.SectorMatch `json:"sectors,omitempty"`
	Fields  []scanFieldJSON        `json:"fields"`
}

type scanFieldJSON struct {
	Name        string                   `json:"name"`
	Categories  []classify.CategoryMatch `json:"categories"`
	Sensitive   bool                     `json:"sensitive"`
	SensitiveIn []string                 `json:"sensitive_in"`
	Minors      int64                    `json:"minors_under_14,omitempty"`
	Grade       string                   `json:"grade"`
}

// scanFailedJSON is a file that could not be scanned, and where.
type scanFailedJSON struct {
	Path  string `json:"path"`
	Line  int    `json:"line,omitempty"`
	Field string `json:"field,omitempty"`
	Error string `json:"error"`
}

// failure describes a scan error for the report.
func failure(err error) scanFailedJSON {
	var fe *scan.FileError
	var re *recordio.Error
	f := scanFailedJSON{Error: errorText(err)}
	if errors.As(err, &fe) {
		f.Path = fe.Path
		f.Error = errorText(fe.Err)
	}
	if errors.As(err, &re) {
		f.Line, f.Field, f.Error = re.Line, re.Field, re.Msg
	}
	return f
}

func runScan(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "scan",
		"scan [--format table|json|html] [--sample N] [--workers N] [--catalog FILE] [--sector NAME] [--as-of YYYY-MM-DD] [--fail-on sensitive|important] PATH...",
		`sluice scan customers.csv
sluice scan --format json --workers 2 exports/ > report.json
sluice scan --format html -o report.html exports/
cat orders.jsonl | sluice scan -
sluice scan --fail-on sensitive build/output/   # exit 3 if any field is sensitive

Exit status: 0 when the scan completes, whatever it finds; 1 when a file
could not be read (the others are still reported); 2 on a usage error;
3 when --fail-on's threshold is met.`)
	format := fs.String("format", "table", "output `format`: table, json or html")
	sample := fs.Int64("sample", 0, "classify only the first `N` records of each file (0: all)")
	workers := fs.Int("workers", 1, "`N` goroutines parse and classify each UTF-8 CSV/TSV file")
	catalogPath := fs.String("catalog", "", "merge the categories and rules of `FILE` (JSON) into the built-in catalog")
	sector := fs.String("sector", "", "the organisation's `sector` for grading rules, e.g. automotive")
	failOn := fs.String("fail-on", "", "exit with status 3 if any field is `sensitive`, or any file's grade is important or core (important)")
	out := fs.String("o", "", "write the report to `FILE` instead of standard output")
	asOf := fs.String("as-of", "", "reference `date` (YYYY-MM-DD) for birth dates and minors under 14 (default: today)")
	charset := fs.String("charset", "auto", "text `charset`: auto, utf-8, utf-16le, utf-16be, gb18030, big5 or latin1 (auto: byte-order mark, UTF-8, UTF-16 without a mark, GB18030)")
	delimiter := fs.String("delimiter", "auto", "CSV field `delimiter`: comma, semicolon, tab, pipe or auto (sniffed from the first lines)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	delim, derr := recordio.ParseDelimiter(*delimiter)
	if derr != nil {
		fmt.Fprintf(env.Stderr, "sluice scan: --delimiter: %v\n", derr)
		return errUsage
	}
	switch *format {
	case "table", "json", "html":
	default:
		fmt.Fprintf(env.Stderr, "sluice scan: --format must be table, json or html, not %q\n", *format)
		return errUsage
	}
	switch *failOn {
	case "", "sensitive", "important":
	default:
		fmt.Fprintf(env.Stderr, "sluice scan: --fail-on must be sensitive or important, not %q\n", *failOn)
		return errUsage
	}
	if *sample < 0 || *workers < 1 {
		fmt.Fprintln(env.Stderr, "sluice scan: --sample must be 0 or more and --workers 1 or more")
		return errUsage
	}
	ref := time.Now()
	if *asOf != "" {
		t, err := time.Parse("2006-01-02", *asOf)
		if err != nil {
			fmt.Fprintf(env.Stderr, "sluice scan: --as-of must be a date YYYY-MM-DD, not %q\n", *asOf)
			return errUsage
		}
		ref = t
	}
	paths := fs.Args()
	if len(paths) == 0 {
		fmt.Fprintln(env.Stderr, "sluice scan: name at least one file, directory or - (standard input)")
		return errUsage
	}

	cat := classify.DefaultCatalog()
	if *catalogPath != "" {
		data, err := os.ReadFile(*catalogPath)
		if err != nil {
			return fmt.Errorf("read catalog: %w", err)
		}
		if cat, err = classify.LoadCatalog(*catalogPath, data); err != nil {
			return err
		}
	}

	opts := scan.Options{Catalog: cat, Sample: *sample, Workers: *workers, Sector: *sector, Progress: new(scan.Progress), AsOf: ref}
	opts.Limits.Delimiter = delim
	cs, cerr := recordio.ParseCharset(*charset)
	if cerr != nil {
		fmt.Fprintf(env.Stderr, "sluice scan: --charset: %v\n", cerr)
		return errUsage
	}
	opts.Limits.Charset = cs
	stop := startProgress(env, opts.Progress)
	var results []*scan.Result
	var failures []scanFailedJSON
	failed := 0
	err := scan.Paths(ctx, paths, env.Stdin, opts, func(r *scan.Result, err error) {
		if err != nil {
			stop(false)
			fmt.Fprintf(env.Stderr, "sluice scan: skipped %s\n", fileErrorText(err))
			failed++
			failures = append(failures, failure(err))
			return
		}
		results = append(results, r)
	})
	stop(true)
	if err != nil {
		return err
	}

	w := env.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("create report: %w", err)
		}
		defer f.Close()
		w = f
	}
	switch *format {
	case "json":
		err = writeScanJSON(w, results, ref, failures)
	case "html":
		err = writeScanHTML(w, results, cat, ref, failures)
	default:
		err = writeScanTable(w, results, ref, failures)
	}
	if err != nil {
		return err
	}
	if failed > 0 {
		return exitError{1}
	}
	if hit := failOnHit(*failOn, results); hit != "" {
		fmt.Fprintf(env.Stderr, "sluice scan: --fail-on %s: %s\n", *failOn, hit)
		return exitError{exitFailOn}
	}
	return nil
}

// fileErrorText names the file, line and field of a scan error.
func fileErrorText(err error) string {
	var fe *scan.FileError
	var re *recordio.Error
	switch {
	case errors.As(err, &re) && errors.As(err, &fe):
		return fe.Path + ": " + re.Error() // "line 3, field "x": …"
	case errors.As(err, &fe):
		return fe.Path + ": " + errorText(fe.Err)
	}
	return errorText(err)
}

func failOnHit(failOn string, results []*scan.Result) string {
	for _, r := range results {
		switch failOn {
		case "sensitive":
			for _, f := range r.Fields {
				if f.Sensitive {
					return fmt.Sprintf("%s: field %q holds sensitive personal information", r.Path, f.Name)
				}
			}
		case "important":
			if r.Grade == classify.GradeImportant || r.Grade == classify.GradeCore {
				return fmt.Sprintf("%s is graded %s", r.Path, r.Grade)
			}
		}
	}
	return ""
}

func toJSON(results []*scan.Result, asOf time.Time, failures []scanFailedJSON) scanJSON {
	out := scanJSON{AsOf: asOf.Format("2006-01-02"), Files: []scanFileJSON{}, Failed: failures}
	if out.Failed == nil {
		out.Failed = []scanFailedJSON{}
	}
	for _, r := range results {
		f := scanFileJSON{Path: r.Path, Format: string(r.Format), Records: r.Records, Grade: r.Grade, Sectors: r.Sectors, Fields: []scanFieldJSON{}}
		for _, fr := range r.Fields {
			cats := fr.Categories
			if cats == nil {
				cats = []classify.CategoryMatch{}
			}
			in := fr.SensitiveIn
			if in == nil {
				in = []string{}
			}
			f.Fields = append(f.Fields, scanFieldJSON{Name: fr.Name, Categories: cats, Sensitive: fr.Sensitive, SensitiveIn: in, Minors: fr.Minors, Grade: fr.Grade})
		}
		out.Files = append(out.Files, f)
	}
	return out
}

func writeScanJSON(w io.Writer, results []*scan.Result, asOf time.Time, failures []scanFailedJSON) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(toJSON(results, asOf, failures))
}

// failedText is one line for a file that could not be scanned.
func failedText(f scanFailedJSON) string {
	s := f.Path
	if f.Line > 0 {
		s += ": line " + strconv.Itoa(f.Line)
	}
	if f.Field != "" {
		s += fmt.Sprintf(", field %q", f.Field)
	}
	return s + ": " + f.Error
}

// candidateText marks a candidate for important data.
func candidateText(m classify.SectorMatch) string {
	if m.CandidateImportant {
		return " (candidate important data: important once notified or published, O16 Art. 2)"
	}
	return ""
}

// sensitiveText shows where a field is sensitive: "CN,EU", or "-".
func sensitiveText(f classify.FieldResult) string {
	if len(f.SensitiveIn) == 0 {
		return "-"
	}
	s := strings.Join(f.SensitiveIn, ",")
	if f.Minors > 0 {
		s += fmt.Sprintf(" (%d under 14)", f.Minors)
	}
	return s
}

func writeScanTable(w io.Writer, results []*scan.Result, asOf time.Time, failures []scanFailedJSON) error {
	var b strings.Builder
	fmt.Fprintf(&b, "as of %s\n\n", asOf.Format("2006-01-02"))
	for i, r := range results {
		if i > 0 {
			b.WriteString("\n")
		}
		sampled := ""
		if r.Sampled {
			sampled = " (sample)"
		}
		fmt.Fprintf(&b, "%s  %s, %d records%s, grade %s", r.Path, r.Format, r.Records, sampled, r.Grade)
		if r.DistinctSubjects > 0 {
			fmt.Fprintf(&b, ", about %d people", r.DistinctSubjects)
		}
		b.WriteString("\n")
		rows := [][]string{{"FIELD", "CATEGORY", "MATCHES", "RATIO", "SENSITIVE", "GRADE"}}
		for _, f := range r.Fields {
			sens := sensitiveText(f)
			if len(f.Categories) == 0 {
				rows = append(rows, []string{f.Name, "-", "", "", sens, f.Grade})
				continue
			}
			for j, m := range f.Categories {
				name := f.Name
				if j > 0 {
					name = ""
				}
				rows = append(rows, []string{name, m.Key, strconv.FormatInt(m.Matches, 10), fmt.Sprintf("%.1f%%", 100*m.Ratio), sens, f.Grade})
			}
		}
		writeAligned(&b, rows, "  ")
		for _, re := range r.Reasons {
			if re.Rule != "default" {
				fmt.Fprintf(&b, "  grade %s: %s (%s %s)\n", re.Grade, re.Text, re.Instrument, re.Article)
			}
		}
		for _, m := range r.Sectors {
			fmt.Fprintf(&b, "  %s: %s%s: %s (%s %s, %s)\n", m.Sector, m.Label(), candidateText(m), strings.Join(m.Fields, ", "), m.Instrument, m.Clause, m.Confidence)
		}
	}
	if len(results) == 0 {
		b.WriteString("no files scanned\n")
	}
	if len(failures) > 0 {
		b.WriteString("\nnot scanned:\n")
		for _, f := range failures {
			b.WriteString("  " + failedText(f) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeAligned writes rows as columns padded to their display width (a
// Chinese character takes two cells of a terminal).
func writeAligned(b *strings.Builder, rows [][]string, indent string) {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for _, row := range rows {
		b.WriteString(indent)
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteString("\n")
	}
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

var scanHTML = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":    func(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" },
	"join":   func(s []string) string { return strings.Join(s, ", ") },
	"failed": failedText,
	"catName": func(cat *classify.Catalog, key string) string {
		if c, ok := cat.Category(key); ok {
			if c.NameZH != "" {
				return c.Name + " · " + c.NameZH
			}
			return c.Name
		}
		return key
	},
	"ref": func(cat *classify.Catalog, key string) string {
		c, ok := cat.Category(key)
		if !ok {
			return ""
		}
		var parts []string
		for _, j := range cat.Jurisdictions() {
			r, ok := c.Jurisdictions[j]
			if !ok {
				continue
			}
			s := "PI"
			if r.Sensitive {
				s = "sensitive PI"
			} else if !r.PI {
				s = "not PI"
			}
			parts = append(parts, fmt.Sprintf("%s: %s (%s %s %s)", j, s, r.Instrument, r.Article, r.Confidence))
		}
		return strings.Join(parts, "; ")
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sluice scan report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Microsoft YaHei",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1e293b}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .25rem;word-break:break-all}
.meta{color:#64748b;margin:0 0 .75rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e2e8f0;vertical-align:top}
th{background:#f1f5f9;font-weight:600}
.key{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
.ref{color:#64748b;font-size:12px}
.badge{display:inline-block;border-radius:4px;padding:0 .4rem;font-size:12px;font-weight:600}
.general{background:#e2e8f0}.important{background:#fde68a}.core{background:#fca5a5}.sens{background:#fecaca;color:#7f1d1d}
.num{text-align:right;font-variant-numeric:tabular-nums}
ul.reasons{margin:.25rem 0 0 1rem;padding:0;color:#334155}
</style></head><body>
<h1>sluice scan report</h1>
<p class="meta">{{len .Results}} file(s) · catalog {{.Catalog.Version}} · as of {{.AsOf}} · generated {{.Time}}</p>
{{if .Failed}}<h2>Not scanned</h2><ul>{{range .Failed}}<li>{{failed .}}</li>{{end}}</ul>{{end}}
{{range .Results}}{{$r := .}}
<h2>{{.Path}}</h2>
<p class="meta">{{.Format}} · {{.Records}} records{{if .Sampled}} (sample){{end}}{{if .DistinctSubjects}} · about {{.DistinctSubjects}} people{{end}} · dataset grade <span class="badge {{.Grade}}">{{.Grade}}</span></p>
{{if .Reasons}}<ul class="reasons">{{range .Reasons}}<li>{{.Grade}}: {{.Text}} <span class="ref">({{.Instrument}} {{.Article}}{{if .Confidence}} {{.Confidence}}{{end}})</span></li>{{end}}</ul>{{end}}
{{if .Sectors}}<ul class="reasons">{{range .Sectors}}<li>{{.Sector}}: {{.Label}}{{if .CandidateImportant}} (candidate important data: important once notified or published, O16 Art. 2){{end}}: {{join .Fields}} <span class="ref">({{.Instrument}} {{.Clause}}, {{.Confidence}})</span></li>{{end}}</ul>{{end}}
<table><thead><tr><th>Field</th><th>Category</th><th class="num">Matches</th><th class="num">Ratio</th><th>Sensitive</th><th>Grade</th></tr></thead><tbody>
{{range .Fields}}{{$f := .}}{{if .Categories}}{{range $i, $m := .Categories}}<tr>
<td>{{if eq $i 0}}{{$f.Name}}{{end}}</td>
<td>{{catName $.Catalog $m.Key}}<br><span class="key">{{$m.Key}}</span><br><span class="ref">{{ref $.Catalog $m.Key}}</span></td>
<td class="num">{{$m.Matches}}</td><td class="num">{{pct $m.Ratio}}</td>
<td>{{if $f.SensitiveIn}}<span class="badge sens">sensitive: {{join $f.SensitiveIn}}</span>{{if $f.Minors}} · {{$f.Minors}} under 14{{end}}{{else}}–{{end}}</td>
<td><span class="badge {{$f.Grade}}">{{$f.Grade}}</span></td></tr>
{{end}}{{else}}<tr><td>{{.Name}}</td><td>–</td><td></td><td></td><td>–</td><td><span class="badge {{.Grade}}">{{.Grade}}</span></td></tr>
{{end}}{{end}}</tbody></table>
{{else}}<p>No files scanned.</p>{{end}}
</body></html>
`))

func writeScanHTML(w io.Writer, results []*scan.Result, cat *classify.Catalog, asOf time.Time, failures []scanFailedJSON) error {
	return scanHTML.Execute(w, struct {
		Results []*scan.Result
		Catalog *classify.Catalog
		Time    string
		AsOf    string
		Failed  []scanFailedJSON
	}{results, cat, time.Now().UTC().Format(time.RFC3339), asOf.Format("2006-01-02"), failures})
}

// startProgress shows a progress bar on standard error when it is a
// terminal and the scan takes longer than progressDelay. The returned
// function stops it (clearing the line); pause=false clears the line for a
// warning and lets the bar resume.
func startProgress(env *Env, p *scan.Progress) func(final bool) {
	f, ok := env.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func(bool) {}
	}
	var mu sync.Mutex
	done := make(chan struct{})
	shown, stopped := false, false
	start := time.Now()
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if time.Since(start) < progressDelay {
				continue
			}
			mu.Lock()
			if stopped { // stopped while this tick waited: draw nothing more
				mu.Unlock()
				return
			}
			total, n := p.Total.Load(), p.Done.Load()
			secs := time.Since(start).Seconds()
			rate := float64(n) / secs / 1e6
			if total > 0 {
				frac := min(float64(n)/float64(total), 1)
				bar := strings.Repeat("█", int(frac*30)) + strings.Repeat("░", 30-int(frac*30))
				fmt.Fprintf(f, "\r%s %5.1f%%  %.0f MB/s ", bar, 100*frac, rate)
			} else {
				fmt.Fprintf(f, "\r%.0f MB read  %.0f MB/s ", float64(n)/1e6, rate)
			}
			shown = true
			mu.Unlock()
		}
	}()
	var once sync.Once
	return func(final bool) {
		mu.Lock()
		if shown {
			fmt.Fprint(f, "\r\033[K")
			shown = false
		}
		stopped = stopped || final
		mu.Unlock()
		if final {
			once.Do(func() { close(done) })
		}
	}
}
