package residency

import "testing"

func TestIdentifierName(t *testing.T) {
	for _, tt := range []struct {
		name string
		kind string // "" when not an identifier
	}{
		{"phone", ""},
		{"mobile_number", ""},
		{"id_card", ""},
		{"email", ""},
		{"user.contact.phone", ""},
		{"12345678901", ""}, // 11 digits, no allocated prefix
		{"2024", ""},        // a year
		{"13800138000", "a mobile number"},
		{"+86 138-0013-8000", "a mobile number"},
		{"contacts.13800138000.name", "a mobile number"},
		{"11010519491231002X", "a resident ID number"},
		{"zhang.san@example.com", "an e-mail address"},
		{"4111111111111111", "a card number"},
		{"GB82 WEST 1234 5698 7654 32", "an IBAN"},
		{"GB82WEST12345698765433", ""},
	} {
		kind, ok := identifierName(tt.name)
		if kind != tt.kind || ok != (tt.kind != "") {
			t.Errorf("identifierName(%q) = %q, %v; want %q", tt.name, kind, ok, tt.kind)
		}
	}
}
