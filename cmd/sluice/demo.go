package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/recordio"
)

// demoOrg is an org the demo seeds, with one dataset.
type demoOrg struct {
	org     sluice.Org
	dataset sluice.Dataset
	format  recordio.Format
	data    func(n int) []byte
}

var demoOrgs = []demoOrg{
	{
		org:     sluice.Org{Name: "cn-rides", Region: "CN", Sector: "transport"},
		dataset: sluice.Dataset{Name: "trips", Purpose: "ride-hailing: match riders with drivers and bill trips", SubjectField: "rider_phone"},
		format:  recordio.FormatCSV,
		data:    demoTrips,
	},
	{
		org:     sluice.Org{Name: "eu-shop", Region: "EU", Sector: "retail"},
		dataset: sluice.Dataset{Name: "orders", Purpose: "online retail: fulfil and deliver orders", SubjectField: "customer.email"},
		format:  recordio.FormatJSONL,
		data:    demoOrders,
	},
}

// seedDemo creates the demo orgs and datasets if they are missing, makes a
// fresh owner key for each org, and prints the keys and commands to try.
func seedDemo(ctx context.Context, m *Main, w io.Writer) error {
	fmt.Fprintln(w, "\nDemo data:")
	var first struct {
		key string
		id  int64
	}
	for i, d := range demoOrgs {
		org := d.org
		name := org.Name
		if _, ok := m.Stores.Regions[org.Region]; !ok {
			return fmt.Errorf("the demo needs region %s; add it to --regions", org.Region)
		}
		orgs, _, err := m.Stores.Orgs.FindOrgs(ctx, sluice.OrgFilter{Name: &name})
		if err != nil {
			return err
		}
		if len(orgs) == 0 {
			if err := m.Stores.Orgs.CreateOrg(ctx, &org); err != nil {
				return err
			}
		} else {
			org = *orgs[0]
		}
		key := &sluice.APIKey{OrgID: org.ID, Role: sluice.RoleOwner}
		token, err := m.Stores.Keys.CreateKey(ctx, key)
		if err != nil {
			return err
		}
		octx := sluice.NewContextWithActor(ctx, &sluice.Actor{Org: &org, Role: sluice.RoleOwner, Key: key.ID})
		ds := d.dataset
		dsName := ds.Name
		existing, _, err := m.Stores.Datasets.FindDatasets(octx, sluice.DatasetFilter{Name: &dsName})
		if err != nil {
			return err
		}
		if len(existing) == 0 {
			if err := m.Stores.Datasets.CreateDataset(octx, &ds); err != nil {
				return err
			}
			rd, err := recordio.NewReader(bytes.NewReader(d.data(500)), recordio.Options{Format: d.format})
			if err != nil {
				return err
			}
			if _, err := m.Records.IngestRecords(octx, ds.ID, recordSource{rd}); err != nil {
				return err
			}
		} else {
			ds = *existing[0]
		}
		fmt.Fprintf(w, "  %-9s region %s  dataset %d %q  owner key: %s\n", org.Name, org.Region, ds.ID, ds.Name, token)
		if i == 0 {
			first.key, first.id = token, ds.ID
		}
	}
	if err := seedDemoRoles(ctx, m, w, first.id); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nTry:\n")
	fmt.Fprintf(w, "  the console: %s/ui/ (sign in with any key above)\n", m.URL())
	fmt.Fprintf(w, "  curl -s -H 'Authorization: Bearer %s' %s/v1/datasets\n", first.key, m.URL())
	fmt.Fprintf(w, "  curl -s -H 'Authorization: Bearer %s' %s/v1/datasets/%d\n", first.key, m.URL(), first.id)
	fmt.Fprintf(w, "  curl -s -H 'Authorization: Bearer %s' '%s/v1/datasets/%d/records?limit=3'\n\n", first.key, m.URL(), first.id)
	return nil
}

// recordSource adapts a recordio.Reader to sluice.RecordSource.
type recordSource struct{ rd recordio.Reader }

func (s recordSource) Read() (*sluice.InputRecord, error) {
	rec, err := s.rd.Read()
	if err != nil {
		return nil, err
	}
	return (*sluice.InputRecord)(rec), nil
}

var (
	surnames    = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"}
	givenNames  = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "建华", "志强"}
	mobilePfx   = []string{"130", "131", "132", "135", "136", "138", "139", "150", "151", "155", "158", "159", "176", "186", "187", "188", "199"}
	cnDistricts = []string{"110101", "110105", "110108", "310101", "310104", "440103", "440305", "330106", "510104", "420102"}
	euNames     = []string{"Anna Schmidt", "Luca Rossi", "Marie Dubois", "Jan de Vries", "Sofia García", "Piotr Nowak", "Eva Novák", "Lars Jensen"}
	euCities    = []string{"Berlin", "Milano", "Lyon", "Utrecht", "Sevilla", "Kraków", "Brno", "Aarhus"}
)

// demoTrips returns n ride-hailing trips as CSV: rider phone, name and
// resident ID (with valid check characters), pickup and drop-off
// coordinates in Beijing, fare.
func demoTrips(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("trip_id,rider_phone,rider_name,rider_id_number,pickup_lat,pickup_lng,dropoff_lat,dropoff_lng,fare_cny\n")
	for i := 0; i < n; i++ {
		riders := n / 3 // riders take several trips
		rider := r.IntN(riders)
		rr := rand.New(rand.NewPCG(uint64(rider), 7))
		phone := mobilePfx[rr.IntN(len(mobilePfx))] + fmt.Sprintf("%08d", rr.IntN(1e8))
		name := surnames[rr.IntN(len(surnames))] + givenNames[rr.IntN(len(givenNames))]
		id := residentID(cnDistricts[rr.IntN(len(cnDistricts))], 1960+rr.IntN(45), 1+rr.IntN(12), 1+rr.IntN(28), rr.IntN(1000))
		fmt.Fprintf(&b, "T%07d,%s,%s,%s,%.6f,%.6f,%.6f,%.6f,%.2f\n", 1000000+i, phone, name, id,
			39.8+r.Float64()*0.2, 116.3+r.Float64()*0.2, 39.8+r.Float64()*0.2, 116.3+r.Float64()*0.2, 12+r.Float64()*80)
	}
	return []byte(b.String())
}

// residentID builds an 18-character resident identity number (GB 11643)
// with its ISO 7064 MOD 11-2 check character.
func residentID(region string, y, m, d, seq int) string {
	body := fmt.Sprintf("%s%04d%02d%02d%03d", region, y, m, d, seq)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

// demoOrders returns n retail orders as JSONL with a nested customer.
func demoOrders(n int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	for i := 0; i < n; i++ {
		c := r.IntN(n / 4)
		name := euNames[c%len(euNames)]
		email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + fmt.Sprintf("%d@example.eu", c)
		city := euCities[c%len(euCities)]
		fmt.Fprintf(&b, `{"order_id":"O-%06d","customer":{"email":%q,"name":%q,"address":{"city":%q,"street":"Hauptstraße %d"}},"total_eur":%.2f,"items":%d}`+"\n",
			i+1, email, name, city, 1+c%120, 5+r.Float64()*200, 1+r.IntN(5))
	}
	return []byte(b.String())
}

// seedDemoRoles adds the other roles to the demo: an auditor of the first
// org, a consumer org that asked for a grant on the first dataset, and a
// supervisor of every demo region; and prints their keys.
func seedDemoRoles(ctx context.Context, m *Main, w io.Writer, datasetID int64) error {
	first := demoOrgs[0].org.Name
	orgs, _, err := m.Stores.Orgs.FindOrgs(ctx, sluice.OrgFilter{Name: &first})
	if err != nil || len(orgs) == 0 {
		return fmt.Errorf("demo org %s: %v", first, err)
	}
	auditor, err := m.Stores.Keys.CreateKey(ctx, &sluice.APIKey{OrgID: orgs[0].ID, Role: sluice.RoleAuditor})
	if err != nil {
		return err
	}
	name := "cn-research"
	research := &sluice.Org{Name: name, Region: "CN", Sector: "research"}
	if found, _, err := m.Stores.Orgs.FindOrgs(ctx, sluice.OrgFilter{Name: &name}); err != nil {
		return err
	} else if len(found) > 0 {
		research = found[0]
	} else if err := m.Stores.Orgs.CreateOrg(ctx, research); err != nil {
		return err
	}
	ck := &sluice.APIKey{OrgID: research.ID, Role: sluice.RoleConsumer}
	consumer, err := m.Stores.Keys.CreateKey(ctx, ck)
	if err != nil {
		return err
	}
	if m.API.Sharing != nil && m.API.Sharing.Catalog != nil {
		octx := sluice.NewContextWithActor(ctx, &sluice.Actor{Org: orgs[0], Role: sluice.RoleOwner, Key: "demo"})
		if err := m.API.Sharing.PutCatalogEntry(octx, datasetID, &sluice.CatalogEntry{
			Sharing: sluice.SharingConditional, Opening: sluice.OpeningClosed,
			Justification: "trips hold riders' phone numbers, identity numbers and precise locations",
			LegalBasis:    "PIPL Arts. 13, 23; Shenzhen Data Regulations Arts. 26-27",
			Conditions:    "de-identified fields only, for a stated public-interest purpose, after the owner's approval",
		}); err != nil {
			return err
		}
	}
	if m.API.Sharing != nil {
		cctx := sluice.NewContextWithActor(ctx, &sluice.Actor{Org: research, Role: sluice.RoleConsumer, Key: ck.ID})
		p := &sluice.Purpose{Name: "mobility-study", LegalBasis: sluice.LegalBasisContract, Categories: []string{"user.contact"}, RetentionDays: 90}
		if err := m.API.Sharing.CreatePurpose(cctx, p); err != nil && sluice.ErrorCode(err) != sluice.ECONFLICT {
			return err
		}
		asked, n, err := m.Stores.Grants.FindGrants(cctx, sluice.GrantFilter{ConsumerOrgID: &research.ID, DatasetID: &datasetID, Limit: 1})
		if err != nil {
			return err
		}
		if n == 0 || len(asked) == 0 {
			g := &sluice.Grant{DatasetID: datasetID, RequestedFields: []string{"rider_phone"}, Purpose: p.Name,
				Justification: "city mobility study", DurationDays: 30}
			if err := m.API.Sharing.CreateGrant(cctx, g); err != nil {
				return err
			}
		}
	}
	regions := make([]sluice.Region, 0, len(demoOrgs))
	for _, d := range demoOrgs {
		regions = append(regions, d.org.Region)
	}
	supervisor, err := m.Stores.Keys.CreateKey(ctx, &sluice.APIKey{Role: sluice.RoleSupervisor, Regions: regions})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %-9s auditor key:    %s\n", first, auditor)
	fmt.Fprintf(w, "  %-9s consumer key:   %s (asked for a grant on dataset %d)\n", name, consumer, datasetID)
	fmt.Fprintf(w, "  %-9s supervisor key: %s (regions %v)\n", "", supervisor, regions)
	return nil
}
