package classify

import (
	"fmt"
	"hash/maphash"
	"strings"
)

func DebugCounts(s *Scanner) string {
	s.flushAll()
	var b strings.Builder
	for _, c := range s.order {
		fmt.Fprintf(&b, "%s ne=%d m=%v a=%v d=%d y=%d-%d dec=%d lat=%d lng=%d p=%d hll=%v\n", c.name, c.nonEmpty, c.match, c.attempt, c.dates, c.minYear, c.maxYear, c.decimals, c.latOK, c.lngOK, c.precise, c.hll != nil && fmt.Sprint(c.hll.reg) != "")
	}
	return b.String()
}

func DebugSetSeed(c *Catalog, s maphash.Seed) {}

func DebugDistinct(s *Scanner) []int64 {
	var out []int64
	for _, c := range s.order {
		if c.hll != nil {
			out = append(out, c.hll.estimate())
		} else {
			out = append(out, -1)
		}
	}
	return out
}
