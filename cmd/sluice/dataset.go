package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
)

// idArg parses the one ID argument of a command about one object.
func idArg(env *Env, fs *flag.FlagSet, kind string, n int) (int64, error) {
	if fs.NArg() != n {
		fmt.Fprintf(env.Stderr, "%s: give %s\n", fs.Name(), map[int]string{1: "one " + kind + " id", 2: "a " + kind + " id and a field name"}[n])
		return 0, errUsage
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		fmt.Fprintf(env.Stderr, "%s: %q is not a%s %s id\n", fs.Name(), fs.Arg(0), article(kind), kind)
		return 0, errUsage
	}
	return id, nil
}

func datasetRow(d *sluice.Dataset) []string {
	return []string{fmt.Sprint(d.ID), d.Name, string(d.Region), fmt.Sprint(d.RecordCount), subjectsText(d), string(d.Grade), d.SubjectField}
}

var datasetHeader = []string{"id", "name", "region", "records", "subjects", "grade", "subject_field"}

func runDatasetCreate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dataset create", "dataset create --name NAME --purpose TEXT [--subject-field F] [automotive flags]", `
SLUICE_KEY=sk_owner... sluice dataset create --name trips --purpose "bill trips" --subject-field rider_phone
# A charging operator's sessions, important data (Automotive Provisions Art. 3(3)):
SLUICE_KEY=sk_owner... sluice dataset create --name sessions --purpose charging --subject-field vin --charging-network`)
	serverURL, key := addClientFlags(fs, env, "owner")
	var req httpapi.CreateDatasetRequest
	fs.StringVar(&req.Name, "name", "", "dataset name (required)")
	fs.StringVar(&req.Purpose, "purpose", "", "what the records are processed for (required)")
	fs.StringVar(&req.SubjectField, "subject-field", "", "field that identifies the person a record is about, e.g. phone or customer.email")
	auto := addAutoFlags(fs)
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if decl := auto.declaration(); !decl.IsZero() {
		req.Automotive = decl
	}
	if req.Name == "" || req.Purpose == "" {
		fmt.Fprintln(env.Stderr, "sluice dataset create: --name and --purpose are required")
		return errUsage
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	d, err := c.CreateDataset(ctx, req)
	if err != nil {
		return err
	}
	return out.one(d, fmt.Sprintf("Created dataset %d %q in region %s.", d.ID, d.Name, d.Region), datasetHeader, [][]string{datasetRow(d)})
}

func runDatasetList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dataset list", "dataset list [--format F]", `
SLUICE_KEY=sk_owner... sluice dataset list --format csv`)
	serverURL, key := addClientFlags(fs, env, "owner, auditor or consumer")
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	list, err := c.ListDatasets(ctx)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, d := range list.Datasets {
		rows = append(rows, datasetRow(d))
	}
	return out.list(list, list.Datasets, datasetHeader, rows)
}

func runDatasetShow(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dataset show", "dataset show ID", `
SLUICE_KEY=sk_owner... sluice dataset show 1`)
	serverURL, key := addClientFlags(fs, env, "owner, auditor or consumer")
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
	d, err := c.FindDataset(ctx, id)
	if err != nil {
		return err
	}
	f, err := out.resolve()
	if err != nil {
		return err
	}
	if f != "table" {
		return out.write(f, d, []any{d}, datasetHeader, [][]string{datasetRow(d)})
	}
	w := env.Stdout
	fmt.Fprintf(w, "Dataset %d %q (org %d), region %s\n", d.ID, d.Name, d.OrgID, d.Region)
	fmt.Fprintf(w, "  purpose:       %s\n", d.Purpose)
	fmt.Fprintf(w, "  subject field: %s\n", dash(d.SubjectField))
	fmt.Fprintf(w, "  records:       %d\n", d.RecordCount)
	fmt.Fprintf(w, "  subjects:      %s\n", subjectsText(d))
	fmt.Fprintf(w, "  grade:         %s\n", d.Grade)
	fmt.Fprintf(w, "  fields:        %d (sluice dataset fields %d)\n", len(d.Fields), d.ID)
	if d.HoldsMinors {
		fmt.Fprintf(w, "  minors:        people under 14 (sensitive, PIPL Art. 28; guardian's consent, Art. 31)\n")
	}
	if !d.Automotive.IsZero() {
		fmt.Fprintf(w, "  automotive:    %s (Automotive Provisions Art. 3)\n", autoText(d.Automotive))
	}
	if n := d.ImportantNotice; n != nil {
		fmt.Fprintf(w, "  important:     notified by %s on %s (notice %s; O16 Art. 2)\n", n.Authority, n.Date, n.Notice)
	}
	for _, l := range d.SectorLevels {
		fmt.Fprintf(w, "  %-14s %s%s: %s (%s %s, %s)\n", l.Sector+":", l.Label(), candidateText(l), strings.Join(l.Fields, ", "), l.Instrument, l.Clause, l.Confidence)
	}
	return nil
}

func runDatasetFields(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dataset fields", "dataset fields ID", `
SLUICE_KEY=sk_owner... sluice dataset fields 1`)
	serverURL, key := addClientFlags(fs, env, "owner, auditor or consumer")
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
	d, err := c.FindDataset(ctx, id)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, f := range d.Fields {
		var cats []string
		for _, c := range f.Categories {
			cats = append(cats, fmt.Sprintf("%s(%.0f%%)", c.Key, c.Ratio*100))
		}
		rows = append(rows, []string{f.Name, dash(strings.Join(cats, " ")), fmt.Sprint(f.Personal), fmt.Sprint(f.Sensitive),
			dash(strings.Join(f.SensitiveIn, ",")), fmt.Sprint(f.Minors), string(f.Grade), fmt.Sprint(f.Confirmed)})
	}
	return out.list(d.Fields, d.Fields, []string{"field", "categories", "personal", "sensitive", "sensitive_in", "under_14", "grade", "confirmed"}, rows)
}

func runDatasetConfirmField(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dataset confirm-field", "dataset confirm-field ID FIELD [--categories A,B | --none]", `
# Confirm what classification found in a field:
SLUICE_KEY=sk_owner... sluice dataset confirm-field 1 rider_phone
# Correct it: the field holds resident ID numbers, or nothing personal:
SLUICE_KEY=sk_owner... sluice dataset confirm-field --categories user.government_id.national_identification_number 1 rider_id_number
SLUICE_KEY=sk_owner... sluice dataset confirm-field --none 1 trip_id`)
	serverURL, key := addClientFlags(fs, env, "owner")
	categories := fs.String("categories", "", "comma-separated category keys the field holds (default: confirm the ones found)")
	none := fs.Bool("none", false, "the field holds no category of data")
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	id, err := idArg(env, fs, "dataset", 2)
	if err != nil {
		return err
	}
	name := fs.Arg(1)
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	var keys []string
	switch {
	case *none:
		keys = []string{}
	case *categories != "":
		keys = strings.Split(*categories, ",")
	default:
		d, err := c.FindDataset(ctx, id)
		if err != nil {
			return err
		}
		f := d.Field(name)
		if f == nil {
			return sluice.Errorf(sluice.ENOTFOUND, "Dataset %d has no field %q.", id, name)
		}
		keys = []string{}
		for _, cat := range f.Categories {
			keys = append(keys, cat.Key)
		}
	}
	d, err := c.UpdateField(ctx, id, name, keys)
	if err != nil {
		return err
	}
	f := d.Field(name)
	msg := fmt.Sprintf("Field %s of dataset %d confirmed: %s; dataset grade %s.", name, id, dash(strings.Join(keys, ", ")), d.Grade)
	return out.one(f, msg, []string{"field", "categories", "grade"}, [][]string{{name, strings.Join(keys, " "), string(f.Grade)}})
}

func runDatasetCatalog(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dataset catalog", "dataset catalog ID --sharing unconditional|conditional|none [--opening unconditional|conditional|closed] [--justification TEXT] [--legal-basis TEXT] [--conditions TEXT]", `
# Let other orgs ask for the trips dataset, on conditions:
SLUICE_KEY=sk_owner... sluice dataset catalog 1 --sharing conditional \
  --justification "trips hold riders' phone numbers" --legal-basis "PIPL Arts. 13, 23" \
  --conditions "masked phone numbers only, after the owner's approval"`)
	serverURL, key := addClientFlags(fs, env, "owner")
	var req httpapi.CatalogEntryRequest
	fs.StringVar(&req.Sharing, "sharing", "", "sharing class among orgs: unconditional, conditional or none (required)")
	fs.StringVar(&req.Opening, "opening", sluice.OpeningClosed, "opening class to the public: unconditional, conditional or closed")
	fs.StringVar(&req.Justification, "justification", "", "why the dataset is not shared or opened unconditionally")
	fs.StringVar(&req.LegalBasis, "legal-basis", "", "the law that justifies the classes")
	fs.StringVar(&req.Conditions, "conditions", "", "on what conditions it is shared or opened")
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	id, err := idArg(env, fs, "dataset", 1)
	if err != nil {
		return err
	}
	if req.Sharing == "" {
		fmt.Fprintln(env.Stderr, "sluice dataset catalog: --sharing is required")
		return errUsage
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	e, err := c.PutCatalogEntry(ctx, id, req)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Dataset %d in the catalogue: sharing %s, opening %s.", id, e.Sharing, e.Opening)
	return out.one(e, msg, []string{"dataset", "sharing", "opening", "legal_basis"}, [][]string{{fmt.Sprint(id), e.Sharing, e.Opening, dash(e.LegalBasis)}})
}

func init() {
	commands = append(commands,
		command{"dataset catalog", "set a dataset's sharing and opening classes in the sharing catalogue", runDatasetCatalog},
		command{"dataset confirm-field", "confirm or correct the data categories of a field", runDatasetConfirmField},
		command{"dataset create", "create a dataset in your org's home region", runDatasetCreate},
		command{"dataset fields", "show a dataset's fields: categories, grade, confirmed", runDatasetFields},
		command{"dataset list", "list the datasets your key may see", runDatasetList},
		command{"dataset show", "show one dataset: region, records, people, grade", runDatasetShow},
	)
}

// article is "n" before a kind that starts with a vowel: "an incident id".
func article(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "n"
	}
	return ""
}
