package console

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/sluice-gateway/sluice"
)

// A chart is one bar of a year-to-date transfer counter against one of its
// thresholds, laid out for an inline SVG: the bar's width and the
// threshold line's position, in pixels of a ChartWidth-wide plot.
type chart struct {
	Counter   string // pi or spi
	Count     int64
	Threshold int64
	Route     string
	Ref       string
	Reached   bool
	BarWidth  int
	LineX     int
	Ticks     []tick
}

type tick struct {
	X     int
	Label string
}

// Chart geometry, in SVG user units.
const (
	ChartWidth = 360
	chartLeft  = 10
)

// counterCharts makes one chart per counter and threshold in force for the
// viewer's org this year.
func (s *Server) counterCharts(v *view) ([]chart, error) {
	if s.Transfers == nil {
		return nil, nil
	}
	cv, err := s.Transfers.TransferCounters(v.ctx(), "")
	if err != nil {
		if c := sluice.ErrorCode(err); c == sluice.ENOTFOUND || c == sluice.EFORBIDDEN {
			return nil, nil
		}
		return nil, err
	}
	var out []chart
	for _, line := range cv.Counters {
		limits := slices.Clone(line.Limits)
		slices.SortFunc(limits, func(a, b sluice.TransferLimit) int { return cmp.Compare(a.Threshold, b.Threshold) })
		for _, l := range limits {
			out = append(out, makeChart(line.Counter, line.Count, l))
		}
	}
	return out, nil
}

// makeChart scales the plot to the larger of 125% of the threshold and
// the count, so that the threshold line is always inside it.
func makeChart(counter string, n int64, l sluice.TransferLimit) chart {
	scale := max(l.Threshold+max(l.Threshold/4, 1), n)
	if scale <= 0 {
		scale = 1
	}
	px := func(x int64) int { return chartLeft + int(x*ChartWidth/scale) }
	c := chart{Counter: counter, Count: n, Threshold: l.Threshold, Route: l.Route, Ref: l.Ref, Reached: l.Reached,
		BarWidth: px(n) - chartLeft, LineX: px(l.Threshold)}
	c.Ticks = []tick{{chartLeft, "0"}, {px(l.Threshold), humanCount(l.Threshold)}}
	return c
}

// humanCount writes 100000 as 100k and 1000000 as 1M.
func humanCount(n int64) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.FormatInt(n/1_000_000, 10) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.FormatInt(n/1000, 10) + "k"
	}
	return strconv.FormatInt(n, 10)
}
