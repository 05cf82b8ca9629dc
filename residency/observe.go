package residency

import (
	"github.com/sluice-gateway/sluice"
)

// observeBatch is how many records the parsing goroutine hands the
// observing goroutine at a time.
const observeBatch = 512

// An asyncObserver runs a FieldObserver (a classifier) on a goroutine of
// its own, so that classification overlaps parsing, keying and encoding:
// Add copies the values of each record into a batch and hands batches
// over; the observer sees the same records in the same order. Fields
// waits for every record added to be observed. It is used by one
// goroutine; stop ends it.
type asyncObserver struct {
	obs     sluice.FieldObserver
	batches chan *observed
	free    chan *observed
	done    chan struct{}
	cur     *observed
}

// observed is a batch of records of one list of names: their values back
// to back, each ending at ends[i]. A batch with a barrier only has it
// closed once the records before it are observed.
type observed struct {
	names   []string
	values  []string
	ends    []int
	barrier chan struct{}
}

func newAsyncObserver(obs sluice.FieldObserver) *asyncObserver {
	a := &asyncObserver{obs: obs, batches: make(chan *observed, 4), free: make(chan *observed, 6), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for b := range a.batches {
			if b.barrier != nil {
				close(b.barrier)
				continue
			}
			start := 0
			for _, end := range b.ends {
				a.obs.Add(b.names, b.values[start:end])
				start = end
			}
			clear(b.values)
			b.names, b.values, b.ends = nil, b.values[:0], b.ends[:0]
			select {
			case a.free <- b:
			default:
			}
		}
	}()
	return a
}

// Add implements sluice.FieldObserver.
func (a *asyncObserver) Add(names, values []string) {
	b := a.cur
	if b != nil && (len(b.ends) == observeBatch || len(names) != len(b.names) || len(names) > 0 && &names[0] != &b.names[0]) {
		a.flush()
		b = nil
	}
	if b == nil {
		select {
		case b = <-a.free:
		default:
			b = &observed{}
		}
		b.names, a.cur = names, b
	}
	b.values = append(b.values, values...)
	b.ends = append(b.ends, len(b.values))
}

// flush hands over the batch being filled.
func (a *asyncObserver) flush() {
	if a.cur != nil {
		a.batches <- a.cur
		a.cur = nil
	}
}

// Fields implements sluice.FieldObserver, once every record added is
// observed.
func (a *asyncObserver) Fields() []*sluice.Field {
	a.flush()
	barrier := make(chan struct{})
	a.batches <- &observed{barrier: barrier}
	<-barrier
	return a.obs.Fields()
}

// stop observes the records added and ends the goroutine.
func (a *asyncObserver) stop() {
	a.flush()
	close(a.batches)
	<-a.done
}
