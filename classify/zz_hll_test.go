package classify

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestZZHLL(t *testing.T) {
	for _, n := range []int{10, 100, 1000, 5000, 20000, 100000, 1000000} {
		var h hll
		seed := rand.Uint64()
		for i := 0; i < n; i++ {
			h.add(hashString(seed, fmt.Sprintf("138%08d", i)))
		}
		var h2 hll
		for i := 0; i < n; i++ {
			h2.add(hashString(seed, fmt.Sprintf("11010519491231%04d", i)))
		}
		var h3 hll
		for i := 0; i < n; i++ {
			h3.add(hashString(seed, fmt.Sprintf("user%d@example.com", i)))
		}
		var h4 hll
		for i := 0; i < n; i++ {
			h4.add(hashString(seed, fmt.Sprintf("%c%c", 'a'+i%26, 'a'+i/26%26)))
		}
		fmt.Printf("n=%d phone %d id %d email %d short %d\n", n, h.estimate(), h2.estimate(), h3.estimate(), h4.estimate())
	}
}
