package classify

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"testing"
)

func TestZZRuneStats(t *testing.T) {
	data, _ := os.ReadFile("/tmp/w7/small.csv")
	recs, _ := csv.NewReader(bytes.NewReader(data)).ReadAll()
	for c, name := range recs[0] {
		var runes, hot, health, plate, addr int
		for _, r := range recs[1:] {
			for _, ch := range r[c] {
				if ch < 0x800 || ch > 0xFFFF {
					continue
				}
				runes++
				fl := runeFlags[ch]
				if fl&rfHot != 0 {
					hot++
				}
				if fl&rfHealth != 0 {
					health++
				}
				if fl&rfPlate != 0 {
					plate++
				}
				if fl&(rfAdmin|rfRoad|rfUnit) != 0 {
					addr++
				}
			}
		}
		if runes > 0 {
			fmt.Printf("%-10s runes %7d hot %.2f health %.2f plate %.2f addr %.2f\n", name, runes, float64(hot)/float64(runes), float64(health)/float64(runes), float64(plate)/float64(runes), float64(addr)/float64(runes))
		}
	}
}
