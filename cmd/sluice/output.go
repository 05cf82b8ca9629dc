package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"reflect"
	"strings"
	"text/tabwriter"

	"github.com/sluice-gateway/sluice"
)

// Exit statuses, the same for every command.
const (
	exitOK       = 0 // success
	exitErr      = 1 // an error: the message says what
	exitUsage    = 2 // a command-line mistake
	exitNotFound = 3 // nothing found (an empty list, an unknown id) or a --fail-on gate tripped
)

// output is the --format flag of a command that prints results: table
// (the default on a terminal), json (the default otherwise), jsonl (one
// object a line) or csv.
type output struct {
	env    *Env
	format string
	asJSON bool // --json, an older spelling of --format json
}

func addOutputFlag(fs *flag.FlagSet, env *Env) *output {
	o := &output{env: env}
	fs.StringVar(&o.format, "format", "", "output: table, json, jsonl or csv (default table on a terminal, json otherwise)")
	fs.BoolVar(&o.asJSON, "json", false, "the same as --format json")
	return o
}

// resolve returns the format in force, or errUsage for an unknown one.
func (o *output) resolve() (string, error) {
	f := o.format
	switch {
	case f == "" && o.asJSON:
		f = "json"
	case f == "" && isTerminal(o.env.Stdout):
		f = "table"
	case f == "":
		f = "json"
	}
	switch f {
	case "table", "json", "jsonl", "csv":
		return f, nil
	}
	fmt.Fprintf(o.env.Stderr, "sluice: --format is table, json, jsonl or csv, not %q\n", f)
	return "", errUsage
}

// list prints a list: whole as JSON (v, the server's answer), its items
// one a line as JSONL, or header and rows as a table or CSV. An empty
// list exits with exitNotFound after printing.
func (o *output) list(v any, items any, header []string, rows [][]string) error {
	f, err := o.resolve()
	if err != nil {
		return err
	}
	if err := o.write(f, v, items, header, rows); err != nil {
		return err
	}
	if reflect.ValueOf(items).Len() == 0 {
		return exitError{exitNotFound}
	}
	return nil
}

// one prints one object: as JSON (or JSONL, one line), or as a table or
// CSV of header and rows; in a table, message (if any) stands for it.
func (o *output) one(v any, message string, header []string, rows [][]string) error {
	f, err := o.resolve()
	if err != nil {
		return err
	}
	if f == "table" && message != "" {
		fmt.Fprintln(o.env.Stdout, message)
		return nil
	}
	return o.write(f, v, []any{v}, header, rows)
}

func (o *output) write(f string, v any, items any, header []string, rows [][]string) error {
	w := o.env.Stdout
	switch f {
	case "json":
		return printJSON(o.env, v)
	case "jsonl":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		iv := reflect.ValueOf(items)
		for i := 0; i < iv.Len(); i++ {
			if err := enc.Encode(iv.Index(i).Interface()); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(header)
		cw.WriteAll(rows)
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(header, "\t")))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// subjectsText says how many distinct people a dataset's records concern:
// "not counted" when no count was made, never more than its records.
func subjectsText(d *sluice.Dataset) string {
	switch {
	case d.RecordCount == 0:
		return "0"
	case d.Subjects == 0:
		return "not counted"
	}
	return fmt.Sprint(min(d.Subjects, d.RecordCount))
}
