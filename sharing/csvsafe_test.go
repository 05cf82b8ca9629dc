package sharing

import "testing"

func TestAppendSpreadsheetCSV(t *testing.T) {
	for _, tt := range []struct{ in, machine, spreadsheet string }{
		{"plain", "plain", "plain"},
		{"=HYPERLINK(\"http://x\")", "\"=HYPERLINK(\"\"http://x\"\")\"", "\"'=HYPERLINK(\"\"http://x\"\")\""},
		{"+8613800138000", "+8613800138000", "\"'+8613800138000\""},
		{"-12.50", "-12.50", "\"'-12.50\""},
		{"@SUM(A1)", "@SUM(A1)", "\"'@SUM(A1)\""},
		{"\tx", "\"\tx\"", "\"'\tx\""},
		{"\rx", "\"\rx\"", "\"'\rx\""},
		{"a,b", "\"a,b\"", "\"a,b\""},
		{"", "", ""},
	} {
		if got := string(appendCSV(nil, []byte(tt.in))); got != tt.machine {
			t.Errorf("machine %q: %q, want %q", tt.in, got, tt.machine)
		}
		if got := string(appendSpreadsheetCSV(nil, []byte(tt.in))); got != tt.spreadsheet {
			t.Errorf("spreadsheet %q: %q, want %q", tt.in, got, tt.spreadsheet)
		}
	}
}
