package route

import (
	"testing"
)

// BenchmarkRoute measures one route decision per route. The target is
// under 1 µs and no allocation per decision. EXEMPT falls through every CN
// rule to the last one, the slowest path.
//
//	go test ./policy/route -run '^$' -bench BenchmarkRoute -benchmem -count 6 | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkRoute(b *testing.B) {
	const today = "2026-11-26"
	for _, bc := range []struct {
		name string
		in   Input
		want Route
	}{
		{"route=EXEMPT", cn(today, ytd(99999, 0)), Exempt},
		{"route=SCC_OR_CERT", cn(today, ytd(100000, 0)), SCCOrCert},
		{"route=SECURITY_ASSESSMENT", cn(today, ytd(0, 10000)), SecurityAssessment},
		{"route=BLOCK", cn(today, core), Block},
		{"route=HOLD", cn(today, creditAgency), Hold},
		{"route=SECURITY_ASSESSMENT/o11", cn("2023-05-01", ytd(0, 0), prev(100000, 0)), SecurityAssessment},
		{"route=ADEQUACY", eu(today, "US", inScope), Adequacy},
		{"route=SCC_OR_BCR", eu(today, "CN"), SCCOrBCR},
		{"route=DEROGATION", eu(today, "IN", derog("explicit_consent")), Derogation},
		{"route=EXEMPT/eea", eu(today, "DE"), Exempt},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := Default()
			in := bc.in
			d, err := r.Decide(&in, testNow)
			if err != nil || d.Route != bc.want {
				b.Fatalf("Decide = %s, %v; want %s", d, err, bc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				d, _ = r.Decide(&in, testNow)
			}
			if d.Route != bc.want {
				b.Fatalf("route %s", d.Route)
			}
		})
	}
}
