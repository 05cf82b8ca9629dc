package route

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// briefExample is the input of the command-line example.
const briefExample = `{"date":"2026-11-26","exporter":{"region":"CN","ciio":false,"state_organ":false,"sector":""},"recipient":{"country":"US","kind":"company"},"data":{"core":false,"important":false,"credit_agency":false},"exemption":"none","ytd":{"pi":0,"spi":0}}`

func TestParseInput(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		in, err := ParseInput([]byte(briefExample))
		if err != nil {
			t.Fatal(err)
		}
		want := Input{Date: MustParseDate("2026-11-26"), Exporter: Exporter{Region: "CN"},
			Recipient: Recipient{Country: "US", Kind: KindCompany}, Exemption: None}
		if !reflect.DeepEqual(*in, want) {
			t.Errorf("got %+v, want %+v", *in, want)
		}
		d, err := Default().Decide(in, testNow)
		if err != nil || d.Route != Exempt {
			t.Errorf("Decide = %s, %v; want EXEMPT", d, err)
		}
	})
	t.Run("OKOptionalFields", func(t *testing.T) {
		in, err := ParseInput([]byte(`{"date":"2023-05-01","exporter":{"region":"CN","pi_processed":5},
			"recipient":{"country":"HK","approval_on_file":true},"data":{"pi":false,"auto_individuals":3},
			"since_prev_year":{"pi":7,"spi":1}}`))
		if err != nil {
			t.Fatal(err)
		}
		if in.Data.PI == nil || *in.Data.PI || in.SincePrevYear == nil || in.SincePrevYear.PI != 7 || in.Exporter.PIProcessed != 5 {
			t.Errorf("got %+v", *in)
		}
	})
	for _, tc := range []struct {
		name, input string
		field       string // "" when no one field is at fault
		msg         string
	}{
		{"ErrUnknownField", `{"date":"2026-11-26","colour":"red"}`, "colour", `"colour"`},
		{"ErrUnknownNestedField", `{"recipient":{"country":"US","name":"x"}}`, "name", `"name"`},
		{"ErrWrongType", `{"ytd":{"pi":"many"}}`, "ytd.pi", "whole number"},
		{"ErrFraction", `{"ytd":{"pi":1.5}}`, "ytd.pi", "whole number"},
		{"ErrBoolType", `{"data":{"core":"yes"}}`, "data.core", "true or false"},
		{"ErrBadDate", `{"date":"2026-02-30"}`, "date", "not a date"},
		{"ErrDateNumber", `{"date":20261126}`, "date", ""},
		{"ErrTrailing", briefExample + ` {}`, "", "more after"},
		{"ErrEmpty", ``, "", "empty"},
		{"ErrTruncated", `{"date":"2026-11-26"`, "", ""},
		{"ErrSyntax", `{"date":}`, "", "not valid JSON"},
		{"ErrNotObject", `[1,2]`, "", ""},
		{"ErrOverflow", `{"ytd":{"pi":99999999999999999999}}`, "ytd.pi", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseInput([]byte(tc.input))
			var e *sluice.Error
			if !errors.As(err, &e) || e.Code != sluice.EINVALID {
				t.Fatalf("err = %v, want an EINVALID *sluice.Error", err)
			}
			if e.Field != tc.field || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("Field %q message %q; want field %q and %q", e.Field, e.Message, tc.field, tc.msg)
			}
		})
	}
	t.Run("ErrTooLarge", func(t *testing.T) {
		big := `{"exporter":{"sector":"` + strings.Repeat("x", MaxInputSize) + `"}}`
		if _, err := ParseInput([]byte(big)); sluice.ErrorCode(err) != sluice.ETOOLARGE {
			t.Fatalf("err = %v, want ETOOLARGE", err)
		}
	})
}

// FuzzParseInput checks that any input either parses or fails with a
// sluice error, that what parses survives a JSON round trip, and that
// deciding it never panics and answers with a known route or an EINVALID
// error.
func FuzzParseInput(f *testing.F) {
	f.Add([]byte(briefExample))
	f.Add([]byte(`{"date":"2023-05-01","exporter":{"region":"CN","ciio":true,"pi_processed":1000000},"recipient":{"country":"HK","kind":"foreign_judicial","approval_on_file":true},"data":{"pi":true,"important":true},"exemption":"hr","since_prev_year":{"pi":100000,"spi":10000}}`))
	f.Add([]byte(`{"date":"2021-06-27","exporter":{"region":"EU"},"recipient":{"country":"GB","adequacy_scope":true},"derogation":"explicit_consent","data":{"pi":false}}`))
	f.Add([]byte(`{"date":"2026-11-26","exporter":{"region":"CN","sector":"automotive"},"recipient":{"country":"DE"},"data":{"auto_individuals":100001,"credit_info":true},"ytd":{"pi":-1,"spi":9223372036854775807}}`))
	f.Add([]byte(`{"DATE":"2026-11-26","Exporter":{"Region":"EU"}}`))
	f.Add([]byte(`{"date":"2026-02-30"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"ytd":{"pi":1e3}}`))
	f.Add([]byte("{\"recipient\":{\"country\":\"U\xffS\"}}"))
	r := Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := ParseInput(data)
		if err != nil {
			if c := sluice.ErrorCode(err); c != sluice.EINVALID && c != sluice.ETOOLARGE {
				t.Fatalf("ParseInput error %v has code %q", err, c)
			}
			return
		}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := ParseInput(b)
		if err != nil {
			t.Fatalf("ParseInput of its own output %s: %v", b, err)
		}
		if !reflect.DeepEqual(in, again) {
			t.Fatalf("round trip changed the input:\n%+v\n%+v", in, again)
		}
		d, err := r.Decide(in, testNow)
		if err != nil {
			if sluice.ErrorCode(err) != sluice.EINVALID {
				t.Fatalf("Decide error %v is not EINVALID", err)
			}
			return
		}
		if d.Route.bit() == 0 || len(d.Reasons) == 0 || d.Requires == nil {
			t.Fatalf("Decide = %+v", d)
		}
	})
}
