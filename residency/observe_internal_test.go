package residency

import (
	"slices"
	"strconv"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// recordingObserver keeps what it is given.
type recordingObserver struct{ seen [][]string }

func (o *recordingObserver) Add(names, values []string) {
	o.seen = append(o.seen, append(slices.Clone(names), values...))
}

func (o *recordingObserver) Fields() []*sluice.Field {
	return []*sluice.Field{{Name: strconv.Itoa(len(o.seen))}}
}

// An asyncObserver gives its observer the records added, in order, with
// their values as they were when added, and Fields counts all of them.
func TestAsyncObserver(t *testing.T) {
	direct, rec := &recordingObserver{}, &recordingObserver{}
	a := newAsyncObserver(rec)
	names1, names2 := []string{"a", "b"}, []string{"a", "b", "c"}
	values := make([]string, 3) // reused, as a reader reuses its record
	for i := range 3*observeBatch + 5 {
		names := names1
		if i/700%2 == 1 {
			names = names2
		}
		values = values[:len(names)]
		for j := range values {
			values[j] = strconv.Itoa(i*10 + j)
		}
		direct.Add(names, values)
		a.Add(names, values)
		if i == observeBatch+3 {
			if got := a.Fields()[0].Name; got != strconv.Itoa(i+1) {
				t.Fatalf("Fields after %d records counts %s", i+1, got)
			}
		}
	}
	if got, want := a.Fields()[0].Name, strconv.Itoa(len(direct.seen)); got != want {
		t.Fatalf("Fields counts %s records, want %s", got, want)
	}
	a.stop()
	if !slices.EqualFunc(rec.seen, direct.seen, slices.Equal) {
		t.Fatal("the records observed differ from those added")
	}
}
