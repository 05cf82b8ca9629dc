package classify

import (
	"encoding/json"
	"fmt"
	"strings"
)

// FullState prints everything a scanner counted, field by field, with its
// sketches, and the fields it reports, for comparing two scanners.
var FullState = fullState

func fullState(s *Scanner) string {
	s.flushAll()
	var b strings.Builder
	for _, c := range s.order {
		cc := *c
		cc.hll, cc.eu = nil, nil
		fmt.Fprintf(&b, "%+v\n", cc)
		if c.hll != nil {
			fmt.Fprintf(&b, "  sketch %x\n", c.hll.reg)
		}
		if c.eu != nil {
			e := *c.eu
			e.names = nil
			fmt.Fprintf(&b, "  eu %+v\n", e)
			if c.eu.names != nil {
				fmt.Fprintf(&b, "  eu names %x\n", c.eu.names.reg)
			}
		}
	}
	out, _ := json.Marshal(s.Fields())
	b.Write(out)
	return b.String()
}
