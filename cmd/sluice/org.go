package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/sluice-gateway/sluice"
)

func runOrgCreate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "org create", "org create --name NAME --region CODE [--sector S] [--ciio] [--kind K] [--public-body] [--answer-days N]", `
sluice org create --name cn-rides --region CN --sector transport
sluice org create --name grid-co --region CN --sector energy --ciio
sluice org create --name sz-water --region CN --sector water --public-body --answer-days 5`)
	var o sluice.Org
	var region string
	var c StoreConfig
	fs.StringVar(&o.Name, "name", "", "org name: lower-case letters, digits, '.', '_', '-' (required)")
	fs.StringVar(&region, "region", "", "home region, where the org's datasets are stored, e.g. CN (required)")
	fs.StringVar(&o.Sector, "sector", "", "sector, e.g. transport, finance, health, automotive, energy")
	fs.BoolVar(&o.CIIO, "ciio", false, "the org is a critical-information-infrastructure operator")
	fs.StringVar((*string)(&o.Kind), "kind", "company", "company, domestic_authority, foreign_judicial or foreign_law_enforcement: authorities are decided by their own rules (DSL Arts. 35-36)")
	fs.BoolVar(&o.PublicBody, "public-body", false, "the org is a public management and service body (Shenzhen Data Regulations Art. 2(9)): its new datasets start in the sharing catalogue as conditional, others' as none")
	fs.IntVar(&o.AnswerDays, "answer-days", 0, "PRC working days in which the org answers a sharing request (Art. 43); 0 is 10")
	fs.BoolVar(&o.AutoApprove, "auto-approve-unconditional", false, "with --public-body: approve other public bodies' requests for unconditionally shared datasets at once")
	addStoreFlags(fs, env, &c, false)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if o.Name == "" || region == "" {
		fmt.Fprintln(env.Stderr, "sluice org create: --name and --region are required")
		return errUsage
	}
	o.Region = sluice.Region(region)
	s, err := openStores(ctx, &c, true)
	if err != nil {
		return err
	}
	defer s.Close()
	if !slices.Contains(c.Regions, o.Region) {
		return sluice.Errorf(sluice.EINVALID, "Region %s is not served (--regions %s).", o.Region, joinRegions(c.Regions))
	}
	if err := s.Orgs.CreateOrg(ctx, &o); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Created org %s (id %d) in region %s.\n", o.Name, o.ID, o.Region)
	noRulesNote(env.Stdout, []sluice.Region{o.Region})
	return nil
}

func runOrgList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "org list", "org list [--format F]", `sluice org list`)
	out := addOutputFlag(fs, env)
	var c StoreConfig
	addStoreFlags(fs, env, &c, false)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	s, err := openStores(ctx, &c, true)
	if err != nil {
		return err
	}
	defer s.Close()
	orgs, _, err := s.Orgs.FindOrgs(ctx, sluice.OrgFilter{})
	if err != nil {
		return err
	}
	if orgs == nil {
		orgs = []*sluice.Org{}
	}
	var rows [][]string
	for _, o := range orgs {
		rows = append(rows, []string{fmt.Sprint(o.ID), o.Name, string(o.Region), dash(o.Sector), fmt.Sprint(o.CIIO), string(o.Kind), o.CreatedAt.Format("2006-01-02 15:04")})
	}
	return out.list(map[string]any{"orgs": orgs}, orgs, []string{"id", "name", "region", "sector", "ciio", "kind", "created"}, rows)
}

func runKeyCreate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "key create", "key create --org NAME --role owner|consumer|auditor | --role supervisor --region CODE...", `
sluice key create --org cn-rides --role owner
sluice key create --role supervisor --region CN --region EU`)
	org := fs.String("org", "", "org name (required, except for a supervisor)")
	role := fs.String("role", "", "owner (holds datasets), consumer (reads shared data), auditor (reads metadata and the audit trail) or supervisor (reads the metadata of every org in its regions) (required)")
	var regions []sluice.Region
	fs.Func("region", "`CODE`: a supervisor's region; repeatable", func(s string) error {
		regions = append(regions, sluice.Region(s))
		return nil
	})
	var c StoreConfig
	addStoreFlags(fs, env, &c, false)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	supervisor := sluice.Role(*role) == sluice.RoleSupervisor
	if *role == "" || (*org == "") != supervisor {
		fmt.Fprintln(env.Stderr, "sluice key create: --role is required, with --org, or with --region for a supervisor")
		return errUsage
	}
	s, err := openStores(ctx, &c, true)
	if err != nil {
		return err
	}
	defer s.Close()
	k := &sluice.APIKey{Role: sluice.Role(*role), Regions: regions}
	whose := "regions " + fmt.Sprint(regions)
	if !supervisor {
		o, err := findOrgByName(ctx, s, *org)
		if err != nil {
			return err
		}
		k.OrgID, whose = o.ID, o.Name
	}
	token, err := s.Keys.CreateKey(ctx, k)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, token)
	fmt.Fprintf(env.Stderr, "Created %s key %s for %s. The key is shown only this once: sluice keeps only a hash of it.\n", k.Role, k.ID, whose)
	return nil
}

func runKeyList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "key list", "key list [--org NAME] [--format F]", `sluice key list --org cn-rides`)
	org := fs.String("org", "", "only this org's keys")
	out := addOutputFlag(fs, env)
	var c StoreConfig
	addStoreFlags(fs, env, &c, false)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	s, err := openStores(ctx, &c, true)
	if err != nil {
		return err
	}
	defer s.Close()
	var filter sluice.KeyFilter
	if *org != "" {
		o, err := findOrgByName(ctx, s, *org)
		if err != nil {
			return err
		}
		filter.OrgID = &o.ID
	}
	keys, _, err := s.Keys.FindKeys(ctx, filter)
	if err != nil {
		return err
	}
	if keys == nil {
		keys = []*sluice.APIKey{}
	}
	var rows [][]string
	for _, k := range keys {
		revoked := "-"
		if k.RevokedAt != nil {
			revoked = k.RevokedAt.Format("2006-01-02 15:04")
		}
		regions := "-"
		if len(k.Regions) > 0 {
			regions = fmt.Sprint(k.Regions)
		}
		rows = append(rows, []string{k.ID, fmt.Sprint(k.OrgID), string(k.Role), k.CreatedAt.Format("2006-01-02 15:04"), revoked, regions})
	}
	return out.list(map[string]any{"keys": keys}, keys, []string{"key", "org", "role", "created", "revoked"}, rows)
}

func runKeyRevoke(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "key revoke", "key revoke KEY-ID", `sluice key revoke k3f9a2c1d07`)
	var c StoreConfig
	addStoreFlags(fs, env, &c, false)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(env.Stderr, "sluice key revoke: give one key id (see sluice key list)")
		return errUsage
	}
	s, err := openStores(ctx, &c, true)
	if err != nil {
		return err
	}
	defer s.Close()
	id := fs.Arg(0)
	if kid, _, ok := sluice.ParseKeyToken(id); ok {
		id = kid // a whole token works too
	}
	if err := s.Keys.RevokeKey(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Revoked key %s.\n", id)
	return nil
}

func findOrgByName(ctx context.Context, s *Stores, name string) (*sluice.Org, error) {
	orgs, _, err := s.Orgs.FindOrgs(ctx, sluice.OrgFilter{Name: &name})
	if err != nil {
		return nil, err
	} else if len(orgs) == 0 {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "No org named %q (see sluice org list).", name)
	}
	return orgs[0], nil
}

func printJSON(env *Env, v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
