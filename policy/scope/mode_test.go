package scope_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy/scope"
)

func TestParseMode(t *testing.T) {
	for _, s := range []string{"warn", "strip", "reject"} {
		t.Run("OK/"+s, func(t *testing.T) {
			m, err := scope.ParseMode(s)
			if err != nil || m.String() != s {
				t.Fatalf("ParseMode(%q) = %q, %v", s, m, err)
			}
		})
	}
	for _, s := range []string{"", "Warn", "drop", " strip"} {
		t.Run("ErrInvalid/"+s, func(t *testing.T) {
			_, err := scope.ParseMode(s)
			if sluice.ErrorCode(err) != sluice.EINVALID {
				t.Fatalf("ParseMode(%q): %v, want EINVALID", s, err)
			}
			if msg := sluice.ErrorMessage(err); !strings.Contains(msg, "warn, strip or reject") {
				t.Errorf("message %q does not list the modes", msg)
			}
		})
	}
	if scope.DefaultMode != scope.Warn {
		t.Errorf("default mode %q, want warn", scope.DefaultMode)
	}
}

func TestMode_JSON(t *testing.T) {
	var cfg struct {
		Mode scope.Mode `json:"mode"`
	}
	if err := json.Unmarshal([]byte(`{"mode":"strip"}`), &cfg); err != nil || cfg.Mode != scope.Strip {
		t.Fatalf("decode: %q, %v", cfg.Mode, err)
	}
	b, err := json.Marshal(cfg)
	if err != nil || string(b) != `{"mode":"strip"}` {
		t.Fatalf("encode: %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"mode":"delete"}`), &cfg); sluice.ErrorCode(err) != sluice.EINVALID {
		t.Errorf("decode of an unknown mode: %v, want EINVALID", err)
	}
	cfg.Mode = "delete"
	if _, err := json.Marshal(cfg); err == nil {
		t.Error("encoding an invalid mode succeeded")
	}
}
