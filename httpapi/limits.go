package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 1 << 20

// checkJSON checks that b is exactly one JSON value whose objects never
// repeat a key and whose strings hold no NUL character: a body that two
// parsers could read differently, or that a store cannot keep, is refused
// with a message naming the problem.
func checkJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := checkValue(dec, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// checkValue reads one value from dec; path names it in messages.
func checkValue(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return errors.New("an empty body")
		}
		return err
	}
	switch t := tok.(type) {
	case string:
		if strings.IndexByte(t, 0) >= 0 {
			return fmt.Errorf("a NUL character in the string at %s", pathOr(path))
		}
	case json.Delim:
		switch t {
		case '{':
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k := kt.(string)
				if strings.IndexByte(k, 0) >= 0 {
					return fmt.Errorf("a NUL character in a key at %s", pathOr(path))
				}
				if seen[k] {
					return fmt.Errorf("the key %q twice at %s", k, pathOr(path))
				}
				seen[k] = true
				if err := checkValue(dec, path+"."+k); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // }
				return err
			}
		case '[':
			for i := 0; dec.More(); i++ {
				if err := checkValue(dec, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // ]
				return err
			}
		}
	}
	return nil
}

func pathOr(path string) string {
	if path == "" {
		return "the top level"
	}
	return strings.TrimPrefix(path, ".")
}

// textRefused reports whether err is a database's refusal of text that is
// not valid in its encoding: PostgreSQL's SQLSTATE 22021 (a NUL or bytes
// that are not UTF-8) or 22P05 (\u0000 in JSON).
func textRefused(err error) bool {
	var st interface{ SQLState() string }
	if !errors.As(err, &st) {
		return false
	}
	switch st.SQLState() {
	case "22021", "22P05":
		return true
	}
	return false
}
