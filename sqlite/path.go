package sqlite

import (
	"errors"
	"io/fs"
	"os"
	"strings"
)

// uriPath escapes a file path for a SQLite URI filename ("file:" +
// path + "?" + options): SQLite decodes %XX escapes, and "?" and "#" end
// the path, so a data directory holding them would otherwise open another
// file than the one named (and could put two regions in one file).
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// createPrivate creates the file at path, empty and readable by its owner
// alone, if there is none: SQLite then gives its journal files the same
// mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	} else if err != nil {
		return err
	}
	return f.Close()
}
